-- Current document versions. ReplacingMergeTree keeps, per sorting key, the row
-- with the highest version once parts merge; queries read it with FINAL (see
-- docs/trends.md). The sorting key holds only what never changes for an id:
-- the publication day and the id.
CREATE TABLE IF NOT EXISTS docs (
    id String,
    version UInt64,
    deleted UInt8,
    published DateTime,
    fetched DateTime,
    source String,
    source_country LowCardinality(String),
    platform LowCardinality(String),
    kind LowCardinality(String),
    lang LowCardinality(String),
    focus_country LowCardinality(String),
    focus_admin1 String,
    focus_admin1_code String,
    focus_admin2 String,
    focus_admin2_code String,
    categories Array(String),
    campaigns Array(String),
    framing Array(String),
    engagement Int64,
    views Int64,
    author_hash String,
    followers Int64,
    cluster_id String,
    url String,
    title String
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(published)
ORDER BY (toDate(published), id);

-- Pseudonym to handle, read only for roles allowed to see handles.
CREATE TABLE IF NOT EXISTS authors (
    author_hash String,
    platform String,
    handle String,
    name String,
    updated DateTime
) ENGINE = ReplacingMergeTree(updated)
ORDER BY author_hash;
