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

// warcWriter appends a request and a response record for every fetch to a
// gzip-per-record WARC 1.1 file (internetarchive/gowarc's record writer; its HTTP
// client is not used because it dials by itself and would bypass crawl/safenet).
// A file that reaches maxBytes is closed and the next exchange starts a new one
// (escucha-<start>-<pid>-<seq>.warc.gz), as archives expect files of bounded size.
type warcWriter struct {
	dir, userAgent, prefix string
	maxBytes               int64

	mu   sync.Mutex
	f    *os.File
	name string
	size int64
	seq  int
}

func openWARC(dir, userAgent string, maxBytes int64) (*warcWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("warc dir: %w", err)
	}
	w := &warcWriter{dir: dir, userAgent: userAgent, maxBytes: maxBytes,
		prefix: fmt.Sprintf("escucha-%s-%d", time.Now().UTC().Format("20060102150405"), os.Getpid())}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

// open starts the next file of the series with its warcinfo record.
func (w *warcWriter) open() error {
	w.seq++
	name := fmt.Sprintf("%s-%05d.warc.gz", w.prefix, w.seq)
	f, err := os.OpenFile(filepath.Join(w.dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open warc: %w", err)
	}
	ww, err := warc.NewWriter(f, name, warc.SHA1, "gzip", "", true, nil)
	if err != nil {
		f.Close()
		return fmt.Errorf("warc writer: %w", err)
	}
	if _, err := ww.WriteInfoRecord(map[string]string{"software": "escucha crawl (gocolly/colly, internetarchive/gowarc)",
		"http-header-user-agent": w.userAgent, "format": "WARC File Format 1.1"}); err != nil {
		f.Close()
		return fmt.Errorf("warc info: %w", err)
	}
	if err := ww.CloseCompressedWriter(); err != nil {
		f.Close()
		return fmt.Errorf("warc info: %w", err)
	}
	w.f, w.name, w.size = f, name, 0
	return w.grow()
}

// grow refreshes the size of the current file.
func (w *warcWriter) grow() error {
	st, err := w.f.Stat()
	if err != nil {
		return fmt.Errorf("warc stat: %w", err)
	}
	w.size = st.Size()
	return nil
}

// rotate closes a full file and opens the next; called with mu held.
func (w *warcWriter) rotate() error {
	if w.maxBytes <= 0 || w.size < w.maxBytes {
		return nil
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("close warc: %w", err)
	}
	return w.open()
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
	if err := w.rotate(); err != nil {
		return err
	}
	respID, err := w.record("response", target, now, "application/http; msgtype=response", "", head.Bytes(), body)
	if err != nil {
		return err
	}
	if _, err := w.record("request", target, now, "application/http; msgtype=request", respID, reqDump, nil); err != nil {
		return err
	}
	return w.grow()
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
