package core

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"time"
)

var identifier = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// identifiers lists the distinct words of a statement that could name a column.
func identifiers(q string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range identifier.FindAllString(q, -1) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// Versions is implemented by a store whose documents table keeps several versions
// of a document until they are merged (ClickHouse). It lets a query read the
// parts already compacted to one version per document with a plain scan and
// collapse versions (FINAL) only where they may still be duplicated.
type Versions interface {
	// Plan looks at the table now.
	Plan(ctx context.Context) (Plan, error)
}

// Plan is one look at the documents table.
type Plan interface {
	// From is the FROM clause (with WHERE) reading the current versions of the
	// documents that satisfy cond. cond is written uses times, so its arguments
	// are bound uses times in a row. words are the identifiers the rest of the
	// statement uses: a relation built from subqueries must output those that
	// are columns of the table.
	From(cond string, words []string) (from string, uses int)
	// Compact says whether any part of the table is read without FINAL; when
	// false the plan is FINAL over everything and needs no check.
	Compact() bool
	// Same reports whether the table still holds exactly the compacted parts the
	// plan assumed (called after the query started, so the query's snapshot lies
	// between Plan and Same).
	Same(ctx context.Context) (bool, error)
}

// planAttempts bounds the retries of a query whose compacted parts changed while
// it started; after that it runs with FINAL over everything (always exact).
const planAttempts = 3

// and returns a copy of w with cond (no arguments) added.
func (w *where) and(cond string) *where {
	c := &where{conds: append(append([]string(nil), w.conds...), cond), args: w.args}
	return c
}

// docsQuery runs a question over the current document versions. build gets the
// FROM … WHERE … clause reading the documents that match w and returns the
// statement; pre are the arguments of placeholders written before that clause.
func (e *Engine) docsQuery(ctx context.Context, question string, w *where, pre []any,
	build func(from string) string, scan func(*sql.Rows) error) error {
	final := func() error {
		return e.query(ctx, question, build("FROM "+e.D.Docs()+" WHERE "+w.String()),
			append(append([]any(nil), pre...), w.args...), scan)
	}
	if e.Versions == nil {
		return final()
	}
	for attempt := 0; attempt < planAttempts; attempt++ {
		p, err := e.Versions.Plan(ctx)
		if err != nil {
			queryErrors.WithLabelValues(e.Store, question).Inc()
			return classify(ctx, fmt.Errorf("%s plan: %w", question, err))
		}
		if !p.Compact() {
			return final()
		}
		from, uses := p.From(w.String(), identifiers(build("")))
		args := append([]any(nil), pre...)
		for i := 0; i < uses; i++ {
			args = append(args, w.args...)
		}
		ok, err := e.queryChecked(ctx, question, build(from), args, p.Same, scan)
		if err != nil || ok {
			return err
		}
		planRetries.WithLabelValues(e.Store).Inc()
		e.Log.Debug("trends: partes compactadas cambiaron durante la consulta; se repite", "question", question, "attempt", attempt+1)
	}
	return final()
}

// queryChecked runs q, calls same once the server answered (its snapshot of the
// table is then fixed) and reads the rows only when same reports true.
func (e *Engine) queryChecked(ctx context.Context, question, q string, args []any,
	same func(context.Context) (bool, error), scan func(*sql.Rows) error) (bool, error) {
	start := time.Now()
	rows, err := e.DB.QueryContext(ctx, q, args...)
	if err != nil {
		queryErrors.WithLabelValues(e.Store, question).Inc()
		return false, classify(ctx, fmt.Errorf("%s query: %w", question, err))
	}
	defer rows.Close()
	ok, err := same(ctx)
	if err != nil {
		queryErrors.WithLabelValues(e.Store, question).Inc()
		return false, classify(ctx, fmt.Errorf("%s plan check: %w", question, err))
	}
	if !ok {
		return false, nil
	}
	if err := e.consume(ctx, question, rows, scan); err != nil {
		return false, err
	}
	querySeconds.WithLabelValues(e.Store, question).Observe(time.Since(start).Seconds())
	return true, nil
}
