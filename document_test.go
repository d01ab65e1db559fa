package escucha_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

func TestDocumentKeepsUnknownFields(t *testing.T) {
	in := `{"id":"a1","title":"Hola","version":3,"x_custom":{"k":[1,2]},"zz":"z"}`
	d, err := escucha.DecodeDocument([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Hola" || d.Version != 3 {
		t.Fatalf("decoded %+v", d)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"x_custom":{"k":[1,2]}`, `"zz":"z"`, `"id":"a1"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output %s lacks %s", out, want)
		}
	}
	var back escucha.Document
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if string(back.Extra["x_custom"]) != `{"k":[1,2]}` {
		t.Errorf("round trip lost extra: %s", back.Extra["x_custom"])
	}
}

func TestDecodeDocumentErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not json":    `{"id":`,
		"no id":       `{"title":"x"}`,
		"neg version": `{"id":"a","version":-1}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := escucha.DecodeDocument([]byte(in))
			if err == nil || !escucha.IsPermanent(err) {
				t.Fatalf("want permanent error, got %v", err)
			}
		})
	}
}

func TestNewer(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &escucha.Document{ID: "x", Version: 2, Fetched: t0}
	b := &escucha.Document{ID: "x", Version: 1, Fetched: t0.Add(time.Hour)}
	if !a.Newer(b) || b.Newer(a) {
		t.Fatal("higher version must win")
	}
	c := &escucha.Document{ID: "x", Version: 2, Fetched: t0.Add(time.Hour)}
	if !c.Newer(a) {
		t.Fatal("same version, later fetch must win")
	}
}

func TestBodyOffsets(t *testing.T) {
	d := escucha.Document{Title: "T", Text: "texto"}
	if d.Body() != "T\n\ntexto" {
		t.Fatalf("body %q", d.Body())
	}
}

func FuzzDecodeDocument(f *testing.F) {
	f.Add([]byte(`{"id":"a","extra":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := escucha.DecodeDocument(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := escucha.DecodeDocument(out); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
	})
}
