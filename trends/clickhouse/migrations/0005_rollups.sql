-- Per-day counts of the documents of compacted month partitions (docs/trends.md,
-- "Rollups"). Rows are computed from one merged part of docs (part, its name) by
-- one run (batch, random); roll_done records a finished run. A query uses the
-- rows of a run only while that part is still the month's only active part, so
-- a re-versioned document is never counted twice: a newer version makes a new
-- part, and the month is read from docs until it is compacted and rolled up again.
CREATE TABLE IF NOT EXISTS roll_place (
    part String,
    batch String,
    published DateTime,
    focus_country LowCardinality(String),
    platform LowCardinality(String),
    focus_admin1_code String,
    focus_admin1 String,
    focus_admin2_code String,
    focus_admin2 String,
    n Int64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(published)
ORDER BY (part, batch, published, focus_admin1_code, focus_admin2_code);

CREATE TABLE IF NOT EXISTS roll_cat (
    part String,
    batch String,
    published DateTime,
    focus_country LowCardinality(String),
    platform LowCardinality(String),
    focus_admin1_code String,
    category String,
    n Int64
) ENGINE = MergeTree
PARTITION BY toYYYYMM(published)
ORDER BY (part, batch, published, category);

CREATE TABLE IF NOT EXISTS roll_done (
    part String,
    batch String,
    created DateTime
) ENGINE = MergeTree
ORDER BY (part, batch);
