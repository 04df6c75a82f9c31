-- darkroom_create_jobs inserts a batch's plain creates with one statement (docs/design-changes.md 15).
-- It used to call darkroom_create_job once per create: one plpgsql call, five statements and their executor
-- start-ups per job. Most creates of a batch need none of that function's branches: their tenant can pay for all
-- of its creates in the batch, stays within its unfinished-jobs limit with all of them, holds no credit lots,
-- has the plan the prices were computed for, and none of the requestIds is taken (in the table or twice in the
-- batch). Such a tenant's creates now go in together: the jobs, their RESERVE ledger rows (balances after each,
-- in batch order) and one update of the tenant row. Every other tenant's creates still go one by one through
-- darkroom_create_job, in batch order, so each answer is what the one-by-one function would have given.
-- Tenant rows are locked first, all of them, in id order (as before: two batches cannot deadlock).

CREATE OR REPLACE FUNCTION darkroom_create_jobs(p_items jsonb)
RETURNS TABLE (n int, outcome text, active int, max_jobs int, balance text)
LANGUAGE plpgsql AS $$
DECLARE
  item record;
  v_done int[] := '{}';
BEGIN
  PERFORM 1 FROM "Tenant" t
    WHERE t.id IN (SELECT DISTINCT (e->>'tenant')::uuid FROM jsonb_array_elements(p_items) AS e)
    ORDER BY t.id
    FOR UPDATE;

  -- The insert trigger leaves these jobs to the tenant update below (migration 20261205090000).
  PERFORM set_config('darkroom.active_counted', 'on', true);
  FOR item IN
    WITH items AS (
      SELECT e.*, e.ordinality::int AS i
      FROM ROWS FROM (jsonb_to_recordset(p_items) AS (
        id bigint, tenant uuid, plan text, "requestId" text, "requestHash" text, request jsonb, pool text, "modelIds" text[],
        credits numeric, "priceVersion" text, "notifyUrl" text, "maxAttempts" int, "createdAt" timestamp(3)
      )) WITH ORDINALITY AS e
    ),
    per_tenant AS (
      SELECT tenant, sum(credits) AS total, count(*)::int AS cnt, bool_and(credits >= 0) AS non_negative,
             count(DISTINCT "requestId")::int AS distinct_ids, array_agg(plan) AS plans
      FROM items GROUP BY tenant
    ),
    plain AS (
      SELECT s.tenant, s.total, s.cnt, t.balance, t."activeJobs" AS active_before,
             COALESCE(t."maxConcurrentJobs", p."maxConcurrentJobs") AS max_jobs
      FROM per_tenant s
      JOIN "Tenant" t ON t.id = s.tenant
      JOIN "Plan" p ON p.id = t."planId"
      WHERE s.non_negative
        AND s.distinct_ids = s.cnt
        AND t."planId" = ALL (s.plans)
        AND t."activeJobs" + s.cnt <= COALESCE(t."maxConcurrentJobs", p."maxConcurrentJobs")
        AND t.balance >= s.total
        AND NOT EXISTS (SELECT 1 FROM "CreditLot" l WHERE l."tenantId" = s.tenant AND l.remaining > 0)
        AND NOT EXISTS (SELECT 1 FROM items i JOIN "Job" j ON j."tenantId" = i.tenant AND j."requestId" = i."requestId" WHERE i.tenant = s.tenant)
    ),
    placed AS (
      SELECT i.*, s.max_jobs, s.active_before + (row_number() OVER w)::int AS active_after,
             s.balance - sum(i.credits) OVER w AS balance_after
      FROM items i JOIN plain s ON s.tenant = i.tenant
      WINDOW w AS (PARTITION BY i.tenant ORDER BY i.i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    jobs AS (
      INSERT INTO "Job" (id, "tenantId", "requestId", "requestHash", request, status, pool, "modelIds", credits, "priceVersion",
                         "notifyUrl", "maxAttempts", "createdAt", "updatedAt")
      SELECT id, tenant, "requestId", "requestHash", request, 'WAITING', pool, "modelIds", credits, "priceVersion",
             "notifyUrl", "maxAttempts", "createdAt", "createdAt"
      FROM placed
    ),
    reserves AS (
      INSERT INTO "LedgerEntry" ("tenantId", kind, amount, "balanceAfter", "jobId", "idempotencyKey")
      SELECT tenant, 'RESERVE', -credits, balance_after, id, 'job:' || id || ':reserve' FROM placed ORDER BY i
    ),
    tenants AS (
      UPDATE "Tenant" t
      SET balance = t.balance - s.total,
          "activeJobs" = t."activeJobs" + s.cnt,
          "updatedAt" = CASE WHEN s.total <> 0 THEN now() ELSE t."updatedAt" END
      FROM plain s WHERE t.id = s.tenant
    )
    SELECT placed.i, placed.active_after, placed.max_jobs, placed.balance_after FROM placed
  LOOP
    v_done := v_done || item.i;
    n := item.i;
    outcome := 'created';
    active := item.active_after;
    max_jobs := item.max_jobs;
    balance := item.balance_after::text;
    RETURN NEXT;
  END LOOP;
  PERFORM set_config('darkroom.active_counted', 'off', true);

  -- The rest, one by one in batch order per tenant, with every branch of the single create.
  FOR item IN
    SELECT e.value AS v, e.ordinality::int AS i
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e
    WHERE NOT (e.ordinality::int = ANY (v_done))
    ORDER BY e.value->>'tenant', e.ordinality
  LOOP
    RETURN QUERY
      SELECT item.i, r.outcome, r.active, r.max_jobs, r.balance
      FROM darkroom_create_job(
        (item.v->>'id')::bigint,
        (item.v->>'tenant')::uuid,
        item.v->>'plan',
        item.v->>'requestId',
        item.v->>'requestHash',
        item.v->'request',
        item.v->>'pool',
        ARRAY(SELECT jsonb_array_elements_text(item.v->'modelIds')),
        (item.v->>'credits')::numeric,
        item.v->>'priceVersion',
        item.v->>'notifyUrl',
        (item.v->>'maxAttempts')::int,
        (item.v->>'createdAt')::timestamp(3)) AS r;
  END LOOP;
END;
$$;
