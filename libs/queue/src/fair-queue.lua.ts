/*
 * The fair queue's Lua scripts. Each runs atomically in Redis, so ranks, tags and counts never disagree.
 * Every script gets the six pool keys in this order: wait, vt, fin, cnt, job, signal (see pool-keys.util.ts).
 *
 * Numbers: Redis formats a Lua number passed to redis.call with 17 significant digits, so tags survive the round
 * trip exactly; tostring() would cut them to 14, so it is never used on a tag. Tags read back from a reply are kept
 * as the reply's string when they are written again (SET vt).
 */

const PRELUDE = `
local waitKey, vtKey, finKey, cntKey, jobKey, signalKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]

local function readMeta(jobId)
  local raw = redis.call('HGET', jobKey, jobId)
  if not raw then return '', '' end
  local meta = cjson.decode(raw)
  return meta[1], meta[2]
end

-- One fewer waiting job for the tenant; at zero its finish tag goes too, so a tenant who cancelled
-- (or was served) a flood starts again at V instead of behind its old tags.
local function release(tenant)
  if tenant == '' then return end
  local left = redis.call('HINCRBY', cntKey, tenant, -1)
  if left <= 0 then
    redis.call('HDEL', cntKey, tenant)
    redis.call('HDEL', finKey, tenant)
  end
end

local function add(jobId, tenant, model, tag, signalMax)
  redis.call('ZADD', waitKey, tag, jobId)
  redis.call('HINCRBY', cntKey, tenant, 1)
  redis.call('HSET', jobKey, jobId, cjson.encode({tenant, model}))
  redis.call('LPUSH', signalKey, '1')
  redis.call('LTRIM', signalKey, 0, signalMax - 1)
end

-- A new job's tag: max(V, the tenant's finish tag); the tenant's finish tag moves on by 1/weight.
-- Returns 1 if added, 0 if the job was already waiting (nothing changes then).
local function enqueue(jobId, tenant, weight, model, signalMax)
  if redis.call('ZSCORE', waitKey, jobId) then return 0 end
  local v = tonumber(redis.call('GET', vtKey)) or 0
  local f = tonumber(redis.call('HGET', finKey, tenant))
  local s = v
  if f and f > s then s = f end
  redis.call('HSET', finKey, tenant, s + 1 / weight)
  add(jobId, tenant, model, s, signalMax)
  return 1
end
`;

/** ARGV: jobId, tenantId, weight, modelKey, signalMax. Returns 1 if added, 0 if the job was already waiting. */
export const ENQUEUE_LUA = `${PRELUDE}
return enqueue(ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]))
`;

/**
 * enqueue for several jobs at once, then each job's place: ARGV: signalMax, then jobId, tenantId, weight, modelKey per
 * job. Returns per job {added (1/0), rank (1-based), length}, the ranks and length read after the last add, so that
 * every answer describes the same instant. rank is 0 for a job that is no longer waiting (never, inside one script).
 */
export const ENQUEUE_MANY_LUA = `${PRELUDE}
local signalMax = tonumber(ARGV[1])
local added = {}
local n = (#ARGV - 1) / 4
for i = 1, n do
  local base = 1 + (i - 1) * 4
  added[i] = enqueue(ARGV[base + 1], ARGV[base + 2], tonumber(ARGV[base + 3]), ARGV[base + 4], signalMax)
end
local len = redis.call('ZCARD', waitKey)
local out = {}
for i = 1, n do
  local rank = redis.call('ZRANK', waitKey, ARGV[1 + (i - 1) * 4 + 1])
  out[i] = {added[i], rank and rank + 1 or 0, len}
end
return out
`;

/**
 * A retry after a lost lease: tag V, ahead of every job that arrives later with a larger tag. The tenant's finish
 * tag is left alone, so the retry does not push the tenant's other jobs back.
 * ARGV: jobId, tenantId, modelKey, signalMax. Returns 1 if added, 0 if already waiting.
 */
export const REQUEUE_LUA = `${PRELUDE}
local jobId, tenant, model, signalMax = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('ZSCORE', waitKey, jobId) then return 0 end
local v = redis.call('GET', vtKey) or '0'
add(jobId, tenant, model, v, signalMax)
return 1
`;

/**
 * ARGV: affinityWindow, lookahead, heldModel... Returns {jobId, tenantId, modelKey, tag} or nil.
 * Looks at the first \`lookahead\` jobs at most: O(log n + lookahead).
 */
export const TAKE_LUA = `${PRELUDE}
local window, lookahead = tonumber(ARGV[1]), tonumber(ARGV[2])
local entries = redis.call('ZRANGE', waitKey, 0, lookahead - 1, 'WITHSCORES')
if #entries == 0 then return false end
local pick = 1
local tenant, model = readMeta(entries[1])
if #ARGV > 2 then
  local held = {}
  for i = 3, #ARGV do held[ARGV[i]] = true end
  local limit = tonumber(entries[2]) + window
  for i = 1, #entries / 2 do
    if tonumber(entries[2 * i]) > limit then break end
    local t, m = tenant, model
    if i > 1 then t, m = readMeta(entries[2 * i - 1]) end
    if held[m] then
      pick, tenant, model = i, t, m
      break
    end
  end
end
local jobId, tag = entries[2 * pick - 1], entries[2 * pick]
redis.call('ZREM', waitKey, jobId)
redis.call('HDEL', jobKey, jobId)
release(tenant)
local v = tonumber(redis.call('GET', vtKey)) or 0
if tonumber(tag) > v then redis.call('SET', vtKey, tag) end
return {jobId, tenant, model, tag}
`;

/** ARGV: jobId. Returns 1 if the job was waiting and is gone now, else 0. */
export const REMOVE_LUA = `${PRELUDE}
local jobId = ARGV[1]
if redis.call('ZREM', waitKey, jobId) == 0 then return 0 end
local tenant = readMeta(jobId)
redis.call('HDEL', jobKey, jobId)
release(tenant)
return 1
`;

/**
 * An operator's "run this next": the waiting job's tag becomes one less than the head's, so it is taken first (a later
 * promotion goes ahead of an earlier one). Counts, metadata and the tenant's finish tag are unchanged.
 * ARGV: jobId. Returns 1 if the job is waiting (and now first), else 0. O(log n).
 */
export const PROMOTE_LUA = `
local waitKey, jobId = KEYS[1], ARGV[1]
if not redis.call('ZSCORE', waitKey, jobId) then return 0 end
local head = redis.call('ZRANGE', waitKey, 0, 0, 'WITHSCORES')
if head[1] ~= jobId then redis.call('ZADD', waitKey, tonumber(head[2]) - 1, jobId) end
return 1
`;

/** ARGV: jobId. Returns {rank (1-based), length} or nil. O(log n). */
export const POSITION_LUA = `
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then return false end
return {rank + 1, redis.call('ZCARD', KEYS[1])}
`;

/** ARGV: offset, limit. Returns a list of {jobId, tenantId, modelKey, tag}. O(log n + limit). */
export const LIST_LUA = `${PRELUDE}
local offset, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local entries = redis.call('ZRANGE', waitKey, offset, offset + limit - 1, 'WITHSCORES')
local out = {}
for i = 1, #entries / 2 do
  local tenant, model = readMeta(entries[2 * i - 1])
  out[i] = {entries[2 * i - 1], tenant, model, entries[2 * i]}
end
return out
`;
