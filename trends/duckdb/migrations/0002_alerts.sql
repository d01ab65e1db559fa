-- Early-warning alerts; the id is a hash of kind, key and day.
CREATE TABLE IF NOT EXISTS alerts (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    alert_key VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    day TIMESTAMP NOT NULL,
    cnt BIGINT NOT NULL,
    baseline DOUBLE NOT NULL,
    mad DOUBLE NOT NULL,
    score DOUBLE NOT NULL,
    created TIMESTAMP NOT NULL
);
