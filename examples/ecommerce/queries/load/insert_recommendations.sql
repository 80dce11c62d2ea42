-- Today's top-N recommendations per customer.
-- The parameter payload.recommendations (stored by tasks.recommend.load_payload)
-- is a JSON array of [customer_id, rank, product_id, score].
-- Comments are templates too, so they must not contain a dollar-brace reference.

INSERT INTO recommendations (reco_date, customer_id, rank, product_id, score, model)
SELECT
  DATE '${session_date}',
  (r ->> 0)::integer,
  (r ->> 1)::smallint,
  (r ->> 2)::integer,
  (r ->> 3)::numeric(12,6),
  '${payload.model}'
FROM jsonb_array_elements('${payload.recommendations}'::jsonb) AS r;
