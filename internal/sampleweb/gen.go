//go:build ignore

// gen.go builds content.jsonl, the sample web's content, from escucha's own labelled
// dev set (nlp/testdata/dev): the gold labels are removed, so the demo shows what the
// NLP stage finds, not what the labellers wrote. Run: go generate ./internal/sampleweb
package main

import (
	"bufio"
	"encoding/json"
	"log"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	files, err := filepath.Glob("../../nlp/testdata/dev/*.jsonl")
	if err != nil || len(files) == 0 {
		log.Fatalf("no dev set files: %v", err)
	}
	sort.Strings(files)
	out, err := os.Create("content.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	defer out.Close()
	w := bufio.NewWriter(out)
	keep := []string{"id", "source", "source_country", "platform", "kind", "published", "title", "text", "author", "engagement"}
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				log.Fatalf("%s: %v", f, err)
			}
			o := map[string]json.RawMessage{}
			for _, k := range keep {
				if v, ok := m[k]; ok {
					o[k] = v
				}
			}
			b, _ := json.Marshal(o)
			w.Write(b)
			w.WriteByte('\n')
			n++
		}
		fh.Close()
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	log.Printf("content.jsonl: %d documents", n)
}
