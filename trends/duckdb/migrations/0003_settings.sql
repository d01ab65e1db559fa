-- Store-level settings, e.g. the generated author secret when none is configured.
CREATE TABLE IF NOT EXISTS settings (
    name VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL
);
