-- Tables of the recommendation mart (idempotent).

CREATE TABLE IF NOT EXISTS recommendations (
  reco_date   date          NOT NULL,
  customer_id integer       NOT NULL,
  rank        smallint      NOT NULL,
  product_id  integer       NOT NULL,
  score       numeric(12,6) NOT NULL,
  model       text          NOT NULL,
  PRIMARY KEY (reco_date, customer_id, rank)
);

CREATE TABLE IF NOT EXISTS item_similarity (
  model_date         date          NOT NULL,
  product_id         integer       NOT NULL,
  rank               smallint      NOT NULL,
  similar_product_id integer       NOT NULL,
  score              numeric(12,6) NOT NULL,
  model              text          NOT NULL,
  PRIMARY KEY (model_date, product_id, rank)
);

-- Filled by load.dig +daily_summary (pg> insert_into); column order matters.
CREATE TABLE IF NOT EXISTS reco_daily_summary (
  reco_date       date          NOT NULL,
  model           text          NOT NULL,
  hit_rate        numeric(6,4)  NOT NULL,
  customers       integer       NOT NULL,
  recommendations integer       NOT NULL,
  avg_score       numeric(12,6),
  loaded_at       timestamptz   NOT NULL
);
