package scratchx

import (
	"database/sql"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestDuck(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil { t.Fatal(err) }
	_, err = db.Exec(`CREATE TABLE d (id VARCHAR PRIMARY KEY, cats VARCHAR[], v BIGINT, p TIMESTAMP)`)
	if err != nil { t.Fatal(err) }
	_, err = db.Exec(`INSERT INTO d VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET cats = excluded.cats, v = excluded.v WHERE excluded.v >= d.v`, "a", []string{"x", "y"}, 1, time.Date(2026,1,2,3,4,5,0,time.UTC))
	t.Log(err)
	var s string
	var tt time.Time
	err = db.QueryRow(`SELECT CAST(cats AS VARCHAR), CAST(date_trunc('week', p) AS DATE) FROM d WHERE list_has_any(cats, [?, ?]) AND p >= make_timestamp(?::BIGINT * 1000000)`, "y", "z", 0).Scan(&s, &tt)
	t.Log(s, tt, err)
	var n int64
	err = db.QueryRow(`SELECT count(*) FROM (SELECT unnest(cats) AS k FROM d) GROUP BY k ORDER BY k LIMIT 1`).Scan(&n)
	t.Log(n, err)
}

func TestCH(t *testing.T) {
	db := clickhouse.OpenDB(&clickhouse.Options{Addr: []string{"127.0.0.1:9000"}, Settings: clickhouse.Settings{"optimize_move_to_prewhere": 0}})
	var n uint64
	var tt time.Time
	err := db.QueryRow(`SELECT count(), toMonday(toDateTime(?)) FROM system.numbers_mt WHERE number < 10 AND hasAny([toString(number)], [?, ?]) AND toString(number) IN (?, ?)`, int64(1767323045), "1", "2", "2", "3").Scan(&n, &tt)
	t.Log(n, tt, err)
	var x int64
	err = db.QueryRow(`SELECT count() FROM system.numbers_mt WHERE number < 10`).Scan(&x)
	t.Log(x, err)
}
