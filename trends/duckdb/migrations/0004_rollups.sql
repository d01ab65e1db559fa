-- Per-day counts of the current, non-deleted documents (docs/trends.md, "Rollups"),
-- kept exact by Write in the same transaction as the upsert of docs: minus the
-- replaced version, plus the new one. Keys as in docs; published is the UTC midnight.
CREATE TABLE IF NOT EXISTS roll_place (
    published TIMESTAMP NOT NULL,
    focus_country VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    focus_admin1_code VARCHAR NOT NULL,
    focus_admin1 VARCHAR NOT NULL,
    focus_admin2_code VARCHAR NOT NULL,
    focus_admin2 VARCHAR NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (published, focus_country, platform, focus_admin1_code, focus_admin1, focus_admin2_code, focus_admin2)
);

-- One row per document and category it carries.
CREATE TABLE IF NOT EXISTS roll_cat (
    published TIMESTAMP NOT NULL,
    focus_country VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    focus_admin1_code VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (published, focus_country, platform, focus_admin1_code, category)
);

-- Documents stored before this migration (idempotent: a re-run starts again).
DELETE FROM roll_place;
DELETE FROM roll_cat;
INSERT INTO roll_place
SELECT CAST(date_trunc('day', published) AS TIMESTAMP) AS d, focus_country, platform, focus_admin1_code,
       focus_admin1, focus_admin2_code, focus_admin2, count(*)
FROM docs WHERE deleted = 0
GROUP BY d, focus_country, platform, focus_admin1_code, focus_admin1, focus_admin2_code, focus_admin2;
INSERT INTO roll_cat
SELECT d, focus_country, platform, focus_admin1_code, category, count(*)
FROM (SELECT CAST(date_trunc('day', published) AS TIMESTAMP) AS d, focus_country, platform, focus_admin1_code,
             unnest(categories) AS category FROM docs WHERE deleted = 0) x
GROUP BY d, focus_country, platform, focus_admin1_code, category;
