package safenet_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/infosegura/escucha/crawl/safenet"
)

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true,
		"127.0.0.1": false, "10.1.2.3": false, "192.168.1.1": false, "172.16.0.1": false,
		"169.254.169.254": false, "::1": false, "fe80::1": false, "fd00::1": false,
		"::ffff:127.0.0.1": false, "0.0.0.0": false, "100.64.1.1": false,
	} {
		if got := safenet.Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestTransportRefusesLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := &http.Client{Transport: safenet.Transport(false, time.Second)}
	_, err := c.Get(srv.URL)
	if !errors.Is(err, safenet.ErrForbiddenAddress) {
		t.Fatalf("want ErrForbiddenAddress, got %v", err)
	}
	c = &http.Client{Transport: safenet.Transport(true, time.Second)}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("allow_private: %v", err)
	}
	resp.Body.Close()
}
