-- Early-warning alerts; the id is a hash of kind, key and day.
CREATE TABLE IF NOT EXISTS alerts (
    id String,
    kind String,
    alert_key String,
    label String,
    day DateTime,
    cnt Int64,
    baseline Float64,
    mad Float64,
    score Float64,
    created DateTime
) ENGINE = ReplacingMergeTree(created)
ORDER BY id;
