-- Every publication time a document id has been stored under. The docs table keeps
-- one row per (publication day, id), so a newer version whose publication day moved
-- would otherwise leave the old day's row counted: Write looks the id up here (by
-- primary key) and writes a deleted tombstone, at the new version, under every other
-- day the id was stored under. Written before the docs rows, so a batch retried after
-- a failure still finds the day it must tombstone.
CREATE TABLE IF NOT EXISTS doc_keys (
    id String,
    published DateTime,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (id, published);
