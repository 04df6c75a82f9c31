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
