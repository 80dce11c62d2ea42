-- Top-N similar products per product of the selected model.
-- The parameter payload.similarity is a JSON array of
-- [product_id, similar_product_id, rank, score].

INSERT INTO item_similarity (model_date, product_id, rank, similar_product_id, score, model)
SELECT
  DATE '${session_date}',
  (s ->> 0)::integer,
  (s ->> 2)::smallint,
  (s ->> 1)::integer,
  (s ->> 3)::numeric(12,6),
  '${payload.model}'
FROM jsonb_array_elements('${payload.similarity}'::jsonb) AS s;
