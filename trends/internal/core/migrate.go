package core

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migration is one versioned schema file: NNNN_name.sql, statements separated by ";".
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

// Migrations reads the *.sql files of fsys in version order.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, n := range names {
		v, err := strconv.Atoi(strings.SplitN(n, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a version number", n)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		m := Migration{Version: v, Name: n}
		for _, st := range strings.Split(stripComments(string(b)), ";") {
			if st = strings.TrimSpace(st); st != "" {
				m.Statements = append(m.Statements, st)
			}
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// Migrator is what a store offers to apply migrations.
type Migrator struct {
	// Applied returns the versions already applied.
	Applied func(ctx context.Context) (map[int]bool, error)
	// Exec runs one statement.
	Exec func(ctx context.Context, stmt string) error
	// Record notes a version as applied.
	Record func(ctx context.Context, m Migration) error
}

// Migrate applies the migrations not yet applied, in order. Statements are
// idempotent (IF NOT EXISTS), so two processes migrating at once is harmless.
func Migrate(ctx context.Context, fsys fs.FS, m Migrator) (applied []int, err error) {
	all, err := Migrations(fsys)
	if err != nil {
		return nil, err
	}
	done, err := m.Applied(ctx)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	for _, mg := range all {
		if done[mg.Version] {
			continue
		}
		for _, st := range mg.Statements {
			if err := m.Exec(ctx, st); err != nil {
				return applied, fmt.Errorf("migration %s: %w", mg.Name, err)
			}
		}
		if err := m.Record(ctx, mg); err != nil {
			return applied, fmt.Errorf("record migration %s: %w", mg.Name, err)
		}
		applied = append(applied, mg.Version)
	}
	return applied, nil
}
