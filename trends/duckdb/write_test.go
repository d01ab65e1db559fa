package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends/internal/core"
)

func TestWriteSpeed(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.duckdb"), core.Config{AuthorSecret: []byte("0123456789abcdef0123")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var docs []*escucha.Document
	for i := 0; i < 500; i++ {
		docs = append(docs, &escucha.Document{ID: fmt.Sprint("d", i), Version: 1, Published: time.Now(),
			Categories: []escucha.Label{{ID: "robo"}}})
	}
	st := time.Now()
	if err := s.Write(ctx, docs); err != nil {
		t.Fatal(err)
	}
	t.Log("first", time.Since(st))
	st = time.Now()
	if err := s.Write(ctx, docs); err != nil {
		t.Fatal(err)
	}
	t.Log("again", time.Since(st))
}
