-- One summary row per session; pg> wraps this query into
-- INSERT INTO reco_daily_summary (insert_into: in load.dig).

SELECT
  DATE '${session_date}' AS reco_date,
  '${payload.model}' AS model,
  ${payload.hit_rate} AS hit_rate,
  COUNT(DISTINCT customer_id) AS customers,
  COUNT(*) AS recommendations,
  ROUND(AVG(score), 6) AS avg_score,
  now() AS loaded_at
FROM recommendations
WHERE reco_date = DATE '${session_date}'
