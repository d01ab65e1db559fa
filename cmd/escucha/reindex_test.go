package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// searchIDs runs `escucha search --json` and returns the ids it found, sorted.
func searchIDs(t *testing.T, dir, query string) []string {
	t.Helper()
	var res struct {
		Hits []struct{ ID string } `json:"hits"`
	}
	out := runCLI(t, "", "search", "--dir", dir, "--json", "--size", "50", query)
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestReindexCommand rebuilds an index from a gzipped JSON-Lines archive and from
// the escucha.enriched topic; the rebuilt index holds exactly the source's documents
// at their newest version, and replaces the old one in place.
func TestReindexCommand(t *testing.T) {
	raw := `{"id":"a","title":"Asesinan a mujer en Villa Nueva","text":"El MP investiga el femicidio ocurrido en la zona 6.","platform":"news","published":"2026-11-20T10:00:00-06:00","version":1}
{"id":"b","title":"Extorsión a transportistas en Mixco","text":"Pilotos denuncian cobro de renta.","platform":"news","published":"2026-10-21T10:00:00-06:00","version":1}
{"id":"a","title":"Asesinan a mujer en Villa Nueva; capturan a su expareja","text":"El MP investiga el feminicidio ocurrido en la zona 6.","platform":"news","published":"2026-11-20T10:00:00-06:00","version":2}
`
	enriched := decodeLines(t, runCLI(t, raw, "enrich"))
	dir := filepath.Join(t.TempDir(), "index")
	// The old index holds a document the archive no longer has.
	runCLI(t, `{"id":"viejo","title":"Nota retirada sobre extorsión","text":"Texto.","published":"2026-09-01T10:00:00-06:00","version":1}`+"\n", "index", "--dir", dir)
	if got := searchIDs(t, dir, "extorsion"); !slices.Equal(got, []string{"viejo"}) {
		t.Fatalf("before reindex: %v", got)
	}

	t.Run("from a gzipped archive", func(t *testing.T) {
		archive := filepath.Join(t.TempDir(), "enriched.jsonl.gz")
		f, err := os.Create(archive)
		if err != nil {
			t.Fatal(err)
		}
		gz := gzip.NewWriter(f)
		for _, d := range enriched {
			b, _ := d.MarshalJSON()
			gz.Write(append(b, '\n'))
		}
		gz.Close()
		f.Close()
		runCLI(t, "", "reindex", "--dir", dir, "--archive", archive)
		if got := searchIDs(t, dir, "extorsion"); !slices.Equal(got, []string{"b"}) {
			t.Errorf("extorsion after reindex: %v, want [b]", got)
		}
		if got := searchIDs(t, dir, "expareja"); !slices.Equal(got, []string{"a"}) {
			t.Errorf("the newest version of a was not kept: %v", got)
		}
		if m, _ := filepath.Glob(dir + ".*"); len(m) != 0 {
			t.Errorf("scratch directories left behind: %v", m)
		}
	})

	t.Run("from the topic", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var v1 []*escucha.Document // a at version 1 and b: the topic is behind the archive
		for _, d := range enriched {
			if d.Version == 1 {
				v1 = append(v1, d)
			}
		}
		b := brokerWith(ctx, t, escucha.TopicEnriched, v1)
		runCLI(t, "", "reindex", "--dir", dir, "--brokers", b.Addrs()[0], "--idle", "2s")
		if got := searchIDs(t, dir, "Villa Nueva"); !slices.Equal(got, []string{"a"}) {
			t.Errorf("Villa Nueva from the topic: %v", got)
		}
		if got := searchIDs(t, dir, "expareja"); len(got) != 0 {
			t.Errorf("the index was not rebuilt from the topic: %v", got)
		}
	})
}
