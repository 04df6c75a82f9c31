-- Job creation writes the tenant row once instead of twice (docs/design-changes.md 13).
-- darkroom_create_job used to update "Tenant" for the new balance and, through the AFTER INSERT trigger, again for
-- the unfinished-jobs counter: a second UPDATE and a trigger call per create, about a sixth of its cost. It now
-- adds one to "activeJobs" in its own tenant update, and marks its insert with the transaction-local setting
-- darkroom.active_counted, which the insert trigger's WHEN clause skips. Every other insert of an unfinished job
-- (the general create transaction, imports, tests) is still counted by the trigger; the setting is switched off
-- again right after the insert, and a failed insert aborts the transaction that holds it.

DROP TRIGGER "Job_activeJobs_insert" ON "Job";
CREATE TRIGGER "Job_activeJobs_insert" AFTER INSERT ON "Job" FOR EACH ROW
  WHEN (NEW.status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING')
        AND current_setting('darkroom.active_counted', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION darkroom_count_active_jobs();

CREATE OR REPLACE FUNCTION darkroom_create_job(
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

  -- This insert's unfinished job is counted by the tenant update below, not by the insert trigger.
  PERFORM set_config('darkroom.active_counted', 'on', true);
  INSERT INTO "Job" (id, "tenantId", "requestId", "requestHash", request, status, pool, "modelIds", credits, "priceVersion",
                     "notifyUrl", "maxAttempts", "createdAt", "updatedAt")
  VALUES (p_id, p_tenant, p_request_id, p_request_hash, p_request, 'WAITING', p_pool, p_model_ids, p_credits, p_price_version,
          p_notify_url, p_max_attempts, p_created_at, p_created_at);
  PERFORM set_config('darkroom.active_counted', 'off', true);
  INSERT INTO "LedgerEntry" ("tenantId", kind, amount, "balanceAfter", "jobId", "idempotencyKey")
  VALUES (p_tenant, 'RESERVE', -p_credits, v_balance - p_credits, p_id, 'job:' || p_id || ':reserve')
  RETURNING id INTO v_entry;
  IF p_credits <> 0 THEN
    UPDATE "Tenant" SET balance = v_balance - p_credits, "activeJobs" = "activeJobs" + 1, "updatedAt" = now() WHERE id = p_tenant;
  ELSE
    UPDATE "Tenant" SET "activeJobs" = "activeJobs" + 1 WHERE id = p_tenant;
  END IF;
  IF v_lots AND p_credits > 0 THEN
    PERFORM darkroom_spend_from_lots(p_tenant, v_entry, p_credits, v_balance, true);
  END IF;
  RETURN QUERY SELECT 'created'::text, v_active + 1, v_max, (v_balance - p_credits)::text;
END;
$$;
