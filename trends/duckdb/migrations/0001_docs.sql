-- Current document versions, upserted in place by id (newest version wins).
CREATE TABLE IF NOT EXISTS docs (
    id VARCHAR PRIMARY KEY,
    version BIGINT NOT NULL,
    deleted TINYINT NOT NULL,
    published TIMESTAMP NOT NULL,
    fetched TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    source_country VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    focus_country VARCHAR NOT NULL,
    focus_admin1 VARCHAR NOT NULL,
    focus_admin1_code VARCHAR NOT NULL,
    focus_admin2 VARCHAR NOT NULL,
    focus_admin2_code VARCHAR NOT NULL,
    categories VARCHAR[] NOT NULL,
    campaigns VARCHAR[] NOT NULL,
    framing VARCHAR[] NOT NULL,
    engagement BIGINT NOT NULL,
    views BIGINT NOT NULL,
    author_hash VARCHAR NOT NULL,
    followers BIGINT NOT NULL,
    cluster_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    title VARCHAR NOT NULL
);

-- Pseudonym to handle, read only for roles allowed to see handles.
CREATE TABLE IF NOT EXISTS authors (
    author_hash VARCHAR PRIMARY KEY,
    platform VARCHAR NOT NULL,
    handle VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    updated TIMESTAMP NOT NULL
);
