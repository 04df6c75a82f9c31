-- Job creation in one round trip (libs/jobs create-job.use-case.ts). Under the tenant row lock: the requestId
-- check, the concurrency limit, the balance, then the job row, its RESERVE ledger row and the new balance.
-- It covers balances without spendable credit lots and jobs without access-key fees; for anything else it
-- answers 'general_path' having changed nothing, and the caller runs the general transaction (libs/credits
-- applyLedgerChange with its lot rules). The RESERVE row it writes is the one applyLedgerChange writes for a
-- debit without lots: same kind, amount, balanceAfter and idempotency key (tested in create-job.spec.ts).
-- Every statement of a PL/pgSQL function takes a new snapshot, so the checks after the lock see every create of
-- the tenant that committed before the lock was granted.
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
BEGIN
  SELECT t."planId", COALESCE(t."maxConcurrentJobs", p."maxConcurrentJobs"), t.balance
    INTO v_plan, v_max, v_balance
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
  SELECT count(*) INTO v_active FROM (
    SELECT 1 FROM "Job" j
    WHERE j."tenantId" = p_tenant AND j.status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING')
    LIMIT v_max) unfinished;
  IF v_active >= v_max THEN
    RETURN QUERY SELECT 'concurrency_limit'::text, v_active, v_max, NULL::text;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM "CreditLot" l WHERE l."tenantId" = p_tenant AND l.remaining > 0) THEN
    RETURN QUERY SELECT 'general_path'::text, 0, 0, NULL::text;
    RETURN;
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
  VALUES (p_tenant, 'RESERVE', -p_credits, v_balance - p_credits, p_id, 'job:' || p_id || ':reserve');
  IF p_credits <> 0 THEN
    UPDATE "Tenant" SET balance = v_balance - p_credits, "updatedAt" = now() WHERE id = p_tenant;
  END IF;
  RETURN QUERY SELECT 'created'::text, v_active + 1, v_max, (v_balance - p_credits)::text;
END;
$$;
