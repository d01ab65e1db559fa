package dashboards

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/infosegura/escucha"
)

// chromiumPath finds the browser for UI tests: $ESCUCHA_CHROMIUM, then chromium on PATH.
// Missing, the test skips locally and fails in CI.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ESCUCHA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found (set ESCUCHA_CHROMIUM); scripts/test installs Debian's chromium")
	}
	t.Skip("chromium not installed; scripts/test installs it")
	return ""
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// TestBrowserLoginSearch drives headless Chromium like an analyst: the login form, a
// search, a facet filter, and a document page, and checks hostile text stays text.
func TestBrowserLoginSearch(t *testing.T) {
	ctx := newBrowser(t)
	now := time.Now()
	srv, _ := newTestServer(t,
		&escucha.Document{ID: "d1", Title: "Femicidio en Villa Nueva <img src=x onerror=alert(1)>", Text: "violencia",
			Source: "Diario del Altiplano", Platform: "news", Published: now,
			Categories: []escucha.Label{{ID: "femicidio", Score: 0.9}}},
		&escucha.Document{ID: "d2", Title: "Extorsión a transportistas", Text: "renta", Source: "El Vigía",
			Platform: "news", Published: now})

	step := func(a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	step(chromedp.Navigate(srv.URL + "/buscar"))
	step(chromedp.WaitVisible("#token"))
	step(chromedp.SendKeys("#token", viewerTok))
	step(chromedp.Submit("#token"))
	step(chromedp.WaitVisible("input[type=search]"))
	step(chromedp.SendKeys("input[type=search]", "femicidio"))
	step(chromedp.Submit("input[type=search]"))
	// The page before the search has a #total too: wait for the results page, whose
	// search box the server rendered with the query.
	step(chromedp.WaitVisible(`input[type=search][value="femicidio"]`))
	step(chromedp.WaitVisible("#total"))
	total := text("#total")
	title := text(".hit h2")
	alerts, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll('img').length"))
	if err != nil {
		t.Fatal(err)
	}
	step(chromedp.Click(".hit h2 a"))
	step(chromedp.WaitVisible("article.doc h1"))
	docTitle := text("article.doc h1")
	if !strings.Contains(total, "1") || !strings.Contains(total, "documentos") {
		t.Errorf("total = %q", total)
	}
	if !strings.Contains(title, "<img src=x") {
		t.Errorf("hostile title not shown as text: %q", title)
	}
	if alerts != 0 {
		t.Errorf("hostile markup became %d img elements", alerts)
	}
	if !strings.HasPrefix(docTitle, "Femicidio en Villa Nueva") {
		t.Errorf("document page title = %q", docTitle)
	}
}
