-- Summary of the session's load, stored as pg.last_results
-- (store_last_results: first in utilize.dig).

SELECT
  reco_date,
  model,
  hit_rate,
  customers,
  recommendations,
  avg_score
FROM reco_daily_summary
WHERE reco_date = DATE '${session_date}'
ORDER BY loaded_at DESC
LIMIT 1
