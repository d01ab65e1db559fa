package crawl

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	warc "github.com/internetarchive/gowarc"
)

// warcWriter appends a request and a response record for every fetch to one
// gzip-per-record WARC 1.1 file (internetarchive/gowarc's record writer; its HTTP
// client is not used because it dials by itself and would bypass crawl/safenet).
type warcWriter struct {
	mu   sync.Mutex
	f    *os.File
	name string
}

func openWARC(dir, userAgent string) (*warcWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("warc dir: %w", err)
	}
	name := fmt.Sprintf("escucha-%s-%d.warc.gz", time.Now().UTC().Format("20060102150405"), os.Getpid())
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open warc: %w", err)
	}
	w := &warcWriter{f: f, name: name}
	ww, err := warc.NewWriter(f, name, warc.SHA1, "gzip", "", true, nil)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("warc writer: %w", err)
	}
	if _, err := ww.WriteInfoRecord(map[string]string{"software": "escucha crawl (gocolly/colly, internetarchive/gowarc)",
		"http-header-user-agent": userAgent, "format": "WARC File Format 1.1"}); err != nil {
		f.Close()
		return nil, fmt.Errorf("warc info: %w", err)
	}
	if err := ww.CloseCompressedWriter(); err != nil {
		f.Close()
		return nil, fmt.Errorf("warc info: %w", err)
	}
	return w, nil
}

// write records one exchange. The payload is what the client received after
// transport decompression (Content-Encoding is then absent from the headers).
func (w *warcWriter) write(req *http.Request, resp *http.Response, body []byte) error {
	reqDump, err := httputil.DumpRequestOut(req.Clone(req.Context()), false)
	if err != nil {
		reqDump = []byte(req.Method + " " + req.URL.RequestURI() + " HTTP/1.1\r\nHost: " + req.URL.Host + "\r\n\r\n")
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/%d.%d %s\r\n", resp.ProtoMajor, resp.ProtoMinor, resp.Status)
	if resp.ProtoMajor == 0 {
		head.Reset()
		fmt.Fprintf(&head, "HTTP/1.1 %s\r\n", resp.Status)
	}
	if err := resp.Header.Write(&head); err != nil {
		return fmt.Errorf("warc header: %w", err)
	}
	head.WriteString("\r\n")

	now := time.Now().UTC().Format(time.RFC3339Nano)
	target := req.URL.String()

	w.mu.Lock()
	defer w.mu.Unlock()
	respID, err := w.record("response", target, now, "application/http; msgtype=response", "", head.Bytes(), body)
	if err != nil {
		return err
	}
	if _, err := w.record("request", target, now, "application/http; msgtype=request", respID, reqDump, nil); err != nil {
		return err
	}
	return nil
}

func (w *warcWriter) record(typ, target, date, ctype, concurrentTo string, parts ...[]byte) (string, error) {
	ww, err := warc.NewWriter(w.f, w.name, warc.SHA1, "gzip", "", true, nil)
	if err != nil {
		return "", fmt.Errorf("warc writer: %w", err)
	}
	r := warc.NewRecord("", false)
	r.Header.Set("WARC-Type", typ)
	r.Header.Set("WARC-Target-URI", target)
	r.Header.Set("WARC-Date", date)
	r.Header.Set("Content-Type", ctype)
	if concurrentTo != "" {
		r.Header.Set("WARC-Concurrent-To", "<urn:uuid:"+strings.Trim(concurrentTo, "<>")+">")
	}
	for _, p := range parts {
		if _, err := r.Content.Write(p); err != nil {
			return "", fmt.Errorf("warc record: %w", err)
		}
	}
	id, err := ww.WriteRecord(r)
	if err != nil {
		return "", fmt.Errorf("warc write: %w", err)
	}
	if err := ww.CloseCompressedWriter(); err != nil {
		return "", fmt.Errorf("warc close member: %w", err)
	}
	return id, nil
}

func (w *warcWriter) Close() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}
