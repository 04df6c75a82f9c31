-- Job creation in one round trip (libs/jobs create-job.use-case.ts), and what it needs.
-- 1. The rules of expiring credit lots (libs/credits credit-lots.ts) as SQL functions, so that the ledger in
--    TypeScript and job creation share one implementation of them. Both expect the caller to hold the lock of
--    the tenant row.
-- 2. A counter of each tenant unfinished jobs (CREATED, PENDING, WAITING, RUNNING), kept by triggers on "Job",
--    so that the concurrency limit is read from the locked tenant row instead of counting a backlog. A job
--    inserted unfinished adds one, a status change across the finished line adds or takes one, a deleted
--    unfinished job takes one. Each change locks the tenant row after the job row, the order every job
--    transition already takes (the ledger locks the tenant after the job), so it adds no lock-order cycle.
-- 3. darkroom_create_job: under the tenant row lock, the requestId check, the plan the price was computed for,
--    the concurrency limit and the balance; then due lots expire, and the job row, its RESERVE ledger row, the
--    new balance and the lot spending are written, as the ledger does for any debit. Only creates that pay
--    access-key fees (and plans changed under the caller) answer general_path, having changed nothing, and take
--    the general transaction. Every statement of a PL/pgSQL function takes a new snapshot, so the checks after
--    the lock see every create of the tenant that committed before the lock was granted.
-- 4. darkroom_create_jobs: several creates in one statement and one transaction (a group commit).

-- Writes an EXPIRY ledger row for each due lot of the tenant (soonest first), empties those lots, and returns
-- the balance after them (the tenant row is updated when anything expired).
CREATE FUNCTION darkroom_expire_due_lots(p_tenant uuid, p_balance numeric, p_as_of timestamp(3))
RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
  lot record;
  v_current numeric(20, 4) := p_balance;
  v_amount numeric(20, 4);
  v_any boolean := false;
BEGIN
  FOR lot IN
    SELECT id, remaining, expired FROM "CreditLot"
    WHERE "tenantId" = p_tenant AND remaining > 0 AND "expiresAt" <= p_as_of
    ORDER BY "expiresAt", id FOR UPDATE
  LOOP
    v_any := true;
    -- Lots never hold more than the balance; the LEAST keeps a damaged ledger from going negative.
    v_amount := LEAST(lot.remaining, v_current);
    v_current := v_current - v_amount;
    INSERT INTO "LedgerEntry" ("tenantId", kind, amount, "balanceAfter", actor, reason, "idempotencyKey")
    VALUES (p_tenant, 'EXPIRY', -v_amount, v_current, 'system:expiry', 'granted credits expired',
            'lot:' || lot.id || ':expiry:' || lot.expired::text);
    UPDATE "CreditLot" SET remaining = 0, expired = expired + v_amount WHERE id = lot.id;
  END LOOP;
  IF v_any THEN
    UPDATE "Tenant" SET balance = v_current, "updatedAt" = now() WHERE id = p_tenant;
  END IF;
  RETURN v_current;
END;
$$;

-- Takes p_amount of the debit recorded by ledger row p_entry from the tenant lots, soonest-expiring first,
-- recording each use. With p_expiring_first false the non-expiring part of the balance is spent first and
-- the lots only for the rest. p_balance_before is the balance before the debit.
CREATE FUNCTION darkroom_spend_from_lots(p_tenant uuid, p_entry bigint, p_amount numeric, p_balance_before numeric, p_expiring_first boolean)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  lot record;
  v_in_lots numeric(20, 4);
  v_from numeric(20, 4);
  v_take numeric(20, 4);
BEGIN
  PERFORM 1 FROM "CreditLot" WHERE "tenantId" = p_tenant AND remaining > 0 FOR UPDATE;
  SELECT COALESCE(sum(remaining), 0) INTO v_in_lots FROM "CreditLot" WHERE "tenantId" = p_tenant AND remaining > 0;
  IF p_expiring_first THEN
    v_from := LEAST(p_amount, v_in_lots);
  ELSE
    v_from := LEAST(GREATEST(0, p_amount - GREATEST(0, p_balance_before - v_in_lots)), v_in_lots);
  END IF;
  FOR lot IN
    SELECT id, remaining FROM "CreditLot"
    WHERE "tenantId" = p_tenant AND remaining > 0
    ORDER BY "expiresAt", id
  LOOP
    EXIT WHEN v_from <= 0;
    v_take := LEAST(v_from, lot.remaining);
    v_from := v_from - v_take;
    UPDATE "CreditLot" SET remaining = remaining - v_take WHERE id = lot.id;
    INSERT INTO "CreditLotUse" ("ledgerEntryId", "lotId", amount) VALUES (p_entry, lot.id, v_take);
  END LOOP;
END;
$$;

ALTER TABLE "Tenant" ADD COLUMN "activeJobs" INTEGER NOT NULL DEFAULT 0;

UPDATE "Tenant" t SET "activeJobs" = (
  SELECT count(*) FROM "Job" j WHERE j."tenantId" = t.id AND j.status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING'));

CREATE FUNCTION darkroom_count_active_jobs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "Tenant" SET "activeJobs" = "activeJobs" + 1 WHERE id = NEW."tenantId";
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "Tenant" SET "activeJobs" = "activeJobs" - 1 WHERE id = OLD."tenantId";
  ELSIF NEW.status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING') THEN
    UPDATE "Tenant" SET "activeJobs" = "activeJobs" + 1 WHERE id = NEW."tenantId";
  ELSE
    UPDATE "Tenant" SET "activeJobs" = "activeJobs" - 1 WHERE id = NEW."tenantId";
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Job_activeJobs_insert" AFTER INSERT ON "Job" FOR EACH ROW
  WHEN (NEW.status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING'))
  EXECUTE FUNCTION darkroom_count_active_jobs();
CREATE TRIGGER "Job_activeJobs_update" AFTER UPDATE OF status ON "Job" FOR EACH ROW
  WHEN ((OLD.status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING')) IS DISTINCT FROM (NEW.status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING')))
  EXECUTE FUNCTION darkroom_count_active_jobs();
CREATE TRIGGER "Job_activeJobs_delete" AFTER DELETE ON "Job" FOR EACH ROW
  WHEN (OLD.status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING'))
  EXECUTE FUNCTION darkroom_count_active_jobs();

CREATE FUNCTION darkroom_create_job(
  p_id bigint,
  p_tenant uuid,
  p_plan text,
  p_request_id text,
  p_request_hash text,
  p_request jsonb,
  p_pool text,
  p_model_ids text[],
  p_credits numeric,
  p_price_version text,
  p_notify_url text,
  p_max_attempts int,
  p_created_at timestamp(3)
) RETURNS TABLE (outcome text, active int, max_jobs int, balance text)
LANGUAGE plpgsql AS $$
DECLARE
  v_plan text;
  v_max int;
  v_balance numeric(20, 4);
  v_active int;
  v_lots boolean;
  v_entry bigint;
BEGIN
  -- The row lock returns the latest committed row, so the counter includes every job change that committed first.
  SELECT t."planId", COALESCE(t."maxConcurrentJobs", p."maxConcurrentJobs"), t.balance, t."activeJobs"
    INTO v_plan, v_max, v_balance, v_active
    FROM "Tenant" t JOIN "Plan" p ON p.id = t."planId"
    WHERE t.id = p_tenant
    FOR UPDATE OF t;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown_tenant'::text, 0, 0, NULL::text;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM "Job" j WHERE j."tenantId" = p_tenant AND j."requestId" = p_request_id) THEN
    RETURN QUERY SELECT 'request_id_taken'::text, 0, 0, NULL::text;
    RETURN;
  END IF;
  -- The price was computed for p_plan; a plan changed meanwhile means a different price.
  IF v_plan IS DISTINCT FROM p_plan THEN
    RETURN QUERY SELECT 'general_path'::text, 0, 0, NULL::text;
    RETURN;
  END IF;
  IF v_active >= v_max THEN
    RETURN QUERY SELECT 'concurrency_limit'::text, v_active, v_max, NULL::text;
    RETURN;
  END IF;
  v_lots := EXISTS (SELECT 1 FROM "CreditLot" l WHERE l."tenantId" = p_tenant AND l.remaining > 0);
  -- Expired credits leave before anything is spent (committed even when the job is then refused: they were due).
  IF v_lots AND p_credits > 0 THEN
    v_balance := darkroom_expire_due_lots(p_tenant, v_balance, p_created_at);
  END IF;
  IF v_balance < p_credits THEN
    RETURN QUERY SELECT 'insufficient_credits'::text, 0, 0, v_balance::text;
    RETURN;
  END IF;

  INSERT INTO "Job" (id, "tenantId", "requestId", "requestHash", request, status, pool, "modelIds", credits, "priceVersion",
                     "notifyUrl", "maxAttempts", "createdAt", "updatedAt")
  VALUES (p_id, p_tenant, p_request_id, p_request_hash, p_request, 'WAITING', p_pool, p_model_ids, p_credits, p_price_version,
          p_notify_url, p_max_attempts, p_created_at, p_created_at);
  INSERT INTO "LedgerEntry" ("tenantId", kind, amount, "balanceAfter", "jobId", "idempotencyKey")
  VALUES (p_tenant, 'RESERVE', -p_credits, v_balance - p_credits, p_id, 'job:' || p_id || ':reserve')
  RETURNING id INTO v_entry;
  IF p_credits <> 0 THEN
    UPDATE "Tenant" SET balance = v_balance - p_credits, "updatedAt" = now() WHERE id = p_tenant;
  END IF;
  IF v_lots AND p_credits > 0 THEN
    PERFORM darkroom_spend_from_lots(p_tenant, v_entry, p_credits, v_balance, true);
  END IF;
  RETURN QUERY SELECT 'created'::text, v_active + 1, v_max, (v_balance - p_credits)::text;
END;
$$;

-- Several job creations in one statement and one transaction (libs/jobs create-batcher.ts): a group commit.
-- p_items is a JSON array of the arguments of darkroom_create_job (keys as CreateCall names them). The creates
-- run in the order of their tenant ids, so that two batches lock tenant rows in the same order and cannot
-- deadlock; each answers one row, numbered n as its place in p_items (from 1).
CREATE FUNCTION darkroom_create_jobs(p_items jsonb)
RETURNS TABLE (n int, outcome text, active int, max_jobs int, balance text)
LANGUAGE plpgsql AS $$
DECLARE
  item record;
BEGIN
  FOR item IN
    SELECT e.value AS v, e.ordinality::int AS i
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e
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
