-- Remove what an earlier attempt of this session loaded, so that the
-- following inserts can be re-run safely.

DELETE FROM recommendations WHERE reco_date = DATE '${session_date}';

DELETE FROM item_similarity WHERE model_date = DATE '${session_date}';

DELETE FROM reco_daily_summary WHERE reco_date = DATE '${session_date}';
