package crawl

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	warc "github.com/internetarchive/gowarc"
)

// TestWARCRotates writes exchanges into a writer with a small size limit and checks
// that the series has several files, each one a complete WARC (warcinfo first, then
// whole request/response pairs), and that no exchange is lost.
func TestWARCRotates(t *testing.T) {
	dir := t.TempDir()
	w, err := openWARC(dir, DefaultUserAgent, 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("<p>Texto de prueba con acentos: extorsión, Petén, niñez.</p>\n"), 60) // ~3.6 KB
	const n = 12
	for i := range n {
		req, _ := http.NewRequest(http.MethodGet, "http://diario.example/nota-"+string(rune('a'+i))+".html", nil)
		resp := &http.Response{StatusCode: 200, Status: "200 OK", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"text/html"}}}
		if err := w.write(req, resp, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc.gz"))
	if len(files) < 3 {
		t.Fatalf("want the series rotated into several files, got %v", files)
	}
	responses := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := warc.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for {
			rec, err := r.ReadRecord()
			if err != nil || rec == nil {
				break
			}
			types = append(types, rec.Header.Get("WARC-Type"))
			rec.Content.Close()
		}
		f.Close()
		if len(types) < 3 || types[0] != "warcinfo" || len(types)%2 != 1 {
			t.Fatalf("%s: records %v; want warcinfo then whole response/request pairs", filepath.Base(name), types)
		}
		responses += strings.Count(strings.Join(types, " "), "response")
	}
	if responses != n {
		t.Fatalf("%d responses across the series, want %d", responses, n)
	}
}
