package social

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

func TestImport(t *testing.T) {
	tests := []struct {
		name, format, data, mapping string
		wantDocs, wantSkipped       int
		check                       func(t *testing.T, docs map[string]*escucha.Document)
	}{
		{"x csv", "csv", "import/x_export.csv", "import/x_mapping.yaml", 3, 1, func(t *testing.T, docs map[string]*escucha.Document) {
			d := docs["x:1859000000000000002"]
			if d == nil {
				t.Fatalf("missing tweet 2: %v", keys(docs))
			}
			if d.Text != `"Ella se lo buscó" no es periodismo. Es justificar un crimen. #NadaJustifica` ||
				d.Engagement != (escucha.Engagement{Likes: 1040, Shares: 402, Replies: 77, Views: 35600}) ||
				d.Author.Handle != "reportera_hn" || d.Platform != "x" || d.Kind != "post" || d.Version != 1 ||
				!d.Published.Equal(time.Date(2026, 11, 20, 16, 45, 0, 0, time.UTC)) || d.Source != "export-x" {
				t.Errorf("document %+v", d)
			}
			if f := docs["x:1859000000000000001"].Author.Followers; f != 12400 {
				t.Errorf("followers \"12,400\" = %d", f)
			}
			if v := docs["x:1859000000000000003"].Engagement.Views; v != 0 {
				t.Errorf("empty views = %d", v)
			}
		}},
		{"whatsapp tipline ndjson", "ndjson", "import/tipline.ndjson", "import/tipline_mapping.yaml", 2, 2, func(t *testing.T, docs map[string]*escucha.Document) {
			for _, d := range docs {
				if !strings.HasPrefix(d.ID, "whatsapp:h") || d.Author.ID == "" {
					t.Errorf("document %+v", d)
				}
				if d.Author.ID == "c0ffee01" {
					// 08:15 in Guatemala (UTC-6) is 14:15 UTC.
					if !d.Published.Equal(time.Date(2026, 11, 20, 14, 15, 0, 0, time.UTC)) || !strings.HasSuffix(d.Published.Format(time.RFC3339), "-06:00") || string(d.Extra["departamento"]) != `"Guatemala"` {
						t.Errorf("tipline row %+v", d)
					}
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := LoadMapping(filepath.Join("testdata", tc.mapping))
			if err != nil {
				t.Fatal(err)
			}
			var rec recorder
			err = Import(t.Context(), bytes.NewReader(mustRead(t, tc.data)), tc.format, m, rec.emit)
			var ie *ImportError
			if tc.wantSkipped > 0 {
				if !errors.As(err, &ie) || len(ie.Skipped) != tc.wantSkipped {
					t.Fatalf("err %v, want %d skipped rows", err, tc.wantSkipped)
				}
				t.Log(err)
			} else if err != nil {
				t.Fatal(err)
			}
			docs := rec.take()
			if len(docs) != tc.wantDocs {
				t.Fatalf("%d documents, want %d", len(docs), tc.wantDocs)
			}
			noDupes(t, docs)
			tc.check(t, byID(docs))
			// Importing the same export twice gives the same ids.
			rec2 := recorder{}
			Import(t.Context(), bytes.NewReader(mustRead(t, tc.data)), tc.format, m, rec2.emit)
			for _, d := range rec2.take() {
				if byID(docs)[d.ID] == nil {
					t.Errorf("second import made a new id %s", d.ID)
				}
			}
		})
	}
}

func TestImportMappingErrors(t *testing.T) {
	tests := []struct {
		name string
		m    Mapping
	}{
		{"unknown field", Mapping{Platform: "x", Columns: map[string]string{"a": "text", "b": "likes"}}},
		{"no platform", Mapping{Columns: map[string]string{"a": "text"}}},
		{"no text", Mapping{Platform: "x", Columns: map[string]string{"a": "id"}}},
		{"bad zone", Mapping{Platform: "x", Timezone: "Mars/Olympus", Columns: map[string]string{"a": "text"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Import(context.Background(), strings.NewReader("a\nx\n"), "csv", tc.m, (&recorder{}).emit)
			if !escucha.IsPermanent(err) {
				t.Errorf("err %v, want an invalid-mapping error", err)
			}
		})
	}
	m := Mapping{Platform: "x", Columns: map[string]string{"texto": "text"}}
	if err := Import(context.Background(), strings.NewReader("otra\nx\n"), "csv", m, (&recorder{}).emit); err == nil {
		t.Error("a mapped column missing from the header should fail")
	}
}
