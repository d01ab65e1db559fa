package crawl

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketSeen  = []byte("seen")  // seenKey → seenRec
	bucketFP    = []byte("fp")    // doc id → simhash (8 bytes) of first-seen texts
	bucketHTTP  = []byte("http")  // url → validators (ETag, Last-Modified)
	bucketSched = []byte("sched") // endpoint url → schedule
)

type seenRec struct {
	ID        string    `json:"id"`
	Canonical string    `json:"canonical"`
	First     time.Time `json:"first"`
	Version   int64     `json:"version"`
	// Checked is the last re-check (Updates); Hash the content hash of the version
	// emitted last (0 in records written before updates were tracked); DupOf is
	// carried into later versions.
	Checked time.Time `json:"checked,omitzero"`
	Hash    uint64    `json:"hash,omitempty"`
	DupOf   string    `json:"dup_of,omitempty"`
	// The article's validators, for conditional re-checks.
	validators
}

type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// schedule is an endpoint's (feed, sitemap, section) adaptive revisit state.
type schedule struct {
	Interval time.Duration `json:"interval"`
	Next     time.Time     `json:"next"`
	LastNew  int           `json:"last_new"`
	LastSeen int           `json:"last_seen"`
}

// store is the persistent seen-store: a bbolt file under the state dir, with the
// simhash index of first-seen texts kept in memory (8 bands of 8 bits, so that any
// fingerprint within Hamming distance 7 shares a band with it).
type store struct {
	db *bolt.DB

	mu    sync.RWMutex
	ids   []string
	fps   []uint64
	bands [8]map[uint8][]int32
}

func openStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, "seen.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open seen-store: %w", err)
	}
	s := &store{db: db}
	for i := range s.bands {
		s.bands[i] = map[uint8][]int32{}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSeen, bucketFP, bucketHTTP, bucketSched} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketFP).ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				s.addFP(string(k), binary.BigEndian.Uint64(v))
			}
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init seen-store: %w", err)
	}
	return s, nil
}

func (s *store) Close() error { return s.db.Close() }

func (s *store) addFP(id string, fp uint64) {
	n := int32(len(s.fps))
	s.ids = append(s.ids, id)
	s.fps = append(s.fps, fp)
	for i := range s.bands {
		b := uint8(fp >> (8 * i))
		s.bands[i][b] = append(s.bands[i][b], n)
	}
}

// nearDup returns the id of the first stored text within maxDist bits of fp.
func (s *store) nearDup(fp uint64, maxDist int) (string, bool) {
	if maxDist < 0 {
		return "", false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	best, bestN := maxDist+1, int32(-1)
	check := func(n int32) {
		// closest wins; on a tie the earliest stored text (the first publication)
		if d := bits.OnesCount64(s.fps[n] ^ fp); d < best || (d == best && n < bestN) {
			best, bestN = d, n
		}
	}
	if maxDist < len(s.bands) {
		for i := range s.bands {
			for _, n := range s.bands[i][uint8(fp>>(8*i))] {
				check(n)
			}
		}
	} else {
		for n := range s.fps {
			check(int32(n))
		}
	}
	if bestN < 0 {
		return "", false
	}
	return s.ids[bestN], true
}

func (s *store) seen(key string) (seenRec, bool) {
	var rec seenRec
	var ok bool
	_ = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSeen).Get([]byte(key))
		if v != nil && json.Unmarshal(v, &rec) == nil {
			ok = true
		}
		return nil
	})
	return rec, ok
}

// markSeen records the page under all its keys and, when fp != 0 and the page is not
// itself a duplicate, its fingerprint.
func (s *store) markSeen(keys []string, rec seenRec, fp uint64, original bool) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeen)
		for _, k := range keys {
			if k == "" {
				continue
			}
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		if fp != 0 && original {
			var buf [8]byte
			binary.BigEndian.PutUint64(buf[:], fp)
			return tx.Bucket(bucketFP).Put([]byte(rec.ID), buf[:])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seen-store: %w", err)
	}
	if fp != 0 && original {
		s.mu.Lock()
		s.addFP(rec.ID, fp)
		s.mu.Unlock()
	}
	return nil
}

func (s *store) getJSON(bucket []byte, key string, v any) bool {
	var ok bool
	_ = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucket).Get([]byte(key)); b != nil {
			ok = json.Unmarshal(b, v) == nil
		}
		return nil
	})
	return ok
}

func (s *store) putJSON(bucket []byte, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), b) }); err != nil {
		return fmt.Errorf("seen-store: %w", err)
	}
	return nil
}

func (s *store) validators(u string) validators {
	var v validators
	s.getJSON(bucketHTTP, u, &v)
	return v
}

func (s *store) setValidators(u string, v validators) error { return s.putJSON(bucketHTTP, u, v) }

func (s *store) schedule(u string) (schedule, bool) {
	var sc schedule
	ok := s.getJSON(bucketSched, u, &sc)
	return sc, ok
}

func (s *store) setSchedule(u string, sc schedule) error { return s.putJSON(bucketSched, u, sc) }
