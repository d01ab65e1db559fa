-- Store-level settings, e.g. the generated author secret when none is configured.
CREATE TABLE IF NOT EXISTS settings (
    name String,
    value String,
    created DateTime
) ENGINE = MergeTree
ORDER BY (name, created);
