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

// FuzzUnknownFields checks the key scanner against a plain map decode.
func FuzzUnknownFields(f *testing.F) {
	f.Add(`{"id":"a","x":{"k":"}\"]"},"y":[1,{"z":null}],"t\u00e9":-1.5e3,"id":"b"}`)
	f.Add(`{ "id" : "a" , "n" : true }`)
	f.Fuzz(func(t *testing.T, s string) {
		var d escucha.Document
		if err := json.Unmarshal([]byte(s), &d); err != nil {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return
		}
		known := map[string]bool{}
		for _, k := range []string{"id", "url", "canonical_url", "source", "source_country", "platform", "kind", "title",
			"text", "lang", "published", "fetched", "author", "engagement", "version", "deleted", "categories", "places",
			"campaigns", "framing", "cluster_id", "dup_of"} {
			known[k] = true
		}
		want := 0
		for k, v := range m {
			if known[k] {
				continue
			}
			want++
			got, ok := d.Extra[k]
			if !ok {
				t.Fatalf("%s: key %q lost", s, k)
			}
			var a, b any
			json.Unmarshal(v, &a)
			json.Unmarshal(got, &b)
			if ja, _ := json.Marshal(a); string(ja) != string(mustJSON(b)) {
				t.Fatalf("%s: key %q = %s, want %s", s, k, got, v)
			}
		}
		if len(d.Extra) != want {
			t.Fatalf("%s: %d extra fields, want %d", s, len(d.Extra), want)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
