package social

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type tgMessage struct {
	ID        int64             `json:"id"`
	Date      string            `json:"date"`
	Views     string            `json:"views"`
	HTML      string            `json:"html"`
	Service   bool              `json:"service"`
	Forwarded map[string]string `json:"forwarded"`
	Reply     string            `json:"reply"`
}

// renderTelegram writes a page in the shape of t.me/s/{channel}: the channel info
// header with counters, then the messages in ascending id order.
func renderTelegram(channel, subscribers string, msgs []tgMessage) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Alertas PNC – Telegram</title></head><body class="widget_frame_base tgme_webpreview_body">
<header class="tgme_header"><div class="tgme_header_title">Alertas PNC</div></header>
<div class="tgme_channel_info"><div class="tgme_channel_info_header"><div class="tgme_channel_info_header_title"><span dir="auto">Alertas PNC Guatemala</span></div>
<div class="tgme_channel_info_header_username"><a href="https://t.me/%s">@%s</a></div></div>
<div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter"><span class="counter_value">%s</span> <span class="counter_type">subscribers</span></div>
<div class="tgme_channel_info_counter"><span class="counter_value">1.4K</span> <span class="counter_type">photos</span></div></div></div>
<main class="tgme_main"><section class="tgme_channel_history js-message_history">`, channel, channel, subscribers)
	for _, m := range msgs {
		if m.Service {
			fmt.Fprintf(&b, `<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message service_message js-widget_message" data-post="%s/%d"><div class="tgme_widget_message_bubble"><div class="tgme_widget_message_text js-message_text" dir="auto">%s</div></div></div></div>`, channel, m.ID, m.HTML)
			continue
		}
		fw := ""
		if m.Reply != "" {
			fw = fmt.Sprintf(`<a class="tgme_widget_message_reply" href="https://t.me/%s/1"><div class="tgme_widget_message_author accent_color"><span class="tgme_widget_message_author_name">Alertas PNC</span></div><div class="tgme_widget_message_text js-message_text" dir="auto">%s</div></a>`, channel, html.EscapeString(m.Reply))
		}
		if m.Forwarded != nil {
			if u := m.Forwarded["url"]; u != "" {
				fw = fmt.Sprintf(`<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from <a class="tgme_widget_message_forwarded_from_name" href="%s"><span dir="auto">%s</span></a></div>`, html.EscapeString(u), html.EscapeString(m.Forwarded["name"]))
			} else {
				fw = fmt.Sprintf(`<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from <span class="tgme_widget_message_forwarded_from_name">%s</span></div>`, html.EscapeString(m.Forwarded["name"]))
			}
		}
		fmt.Fprintf(&b, `
<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="%[1]s/%[2]d" data-view="eyJjIjotMTAwMTY">
<div class="tgme_widget_message_user"><a href="https://t.me/%[1]s"><i class="tgme_widget_message_user_photo bgcolor0" data-content="A"></i></a></div>
<div class="tgme_widget_message_bubble"><i class="tgme_widget_message_bubble_tail"></i>
<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="https://t.me/%[1]s"><span dir="auto">Alertas PNC Guatemala</span></a></div>
%[3]s<div class="tgme_widget_message_text js-message_text" dir="auto">%[4]s</div>
<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">
<span class="tgme_widget_message_views">%[5]s</span><span class="copyonclick" data-copy="t.me/%[1]s/%[2]d"></span>
<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/%[1]s/%[2]d"><time datetime="%[6]s" class="time">10:00</time></a></span>
</div></div></div></div></div>`, channel, m.ID, fw, m.HTML, m.Views, m.Date)
	}
	b.WriteString(`</section></main></body></html>`)
	return b.String()
}

type fakeTelegram struct {
	mu       sync.Mutex
	msgs     []tgMessage
	pageSize int
	tooMany  int
	requests []string
	srv      *httptest.Server
}

func newFakeTelegram(t testing.TB) *fakeTelegram {
	f := &fakeTelegram{pageSize: 3}
	if err := json.Unmarshal(mustRead(t, "telegram/messages.json"), &f.msgs); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.requests = append(f.requests, r.URL.RequestURI())
		if f.tooMany > 0 {
			f.tooMany--
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		ch, ok := strings.CutPrefix(r.URL.Path, "/s/")
		if !ok || ch != "pnc_alertas_gt" {
			w.WriteHeader(404)
			return
		}
		before := int64(1 << 62)
		if b := r.URL.Query().Get("before"); b != "" {
			before, _ = strconv.ParseInt(b, 10, 64)
		}
		var sel []tgMessage
		for i := len(f.msgs) - 1; i >= 0 && len(sel) < f.pageSize; i-- {
			if f.msgs[i].ID < before {
				sel = append([]tgMessage{f.msgs[i]}, sel...)
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, renderTelegram(ch, "15.3K", sel))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func TestTelegram(t *testing.T) {
	f := newFakeTelegram(t)
	f.tooMany = 1
	cfg := testConfig(t, t.TempDir())
	cfg.Telegram.BaseURL = f.srv.URL
	cfg.Telegram.Channels = []string{"pnc_alertas_gt"}
	cfg.Social.MaxPages = 2
	c := mustNew(t, cfg)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	docs := byID(rec.take())
	// Two pages of 3 (101–103, 98–100 with 99 a service message).
	if len(docs) != 5 {
		t.Fatalf("round 1: %v", keys(docs))
	}
	d := docs["telegram:pnc_alertas_gt/100"]
	want := "Vecinos de Chinautla denuncian cobros de \"renta\" a tiendas & tortillerías.\nLeer más"
	if d.Text != want || d.Engagement.Views != 3200 || d.Author.Followers != 15300 || d.Author.Handle != "pnc_alertas_gt" ||
		d.URL != "https://t.me/pnc_alertas_gt/100" || d.Published != time.Date(2026, 11, 20, 15, 45, 0, 0, time.UTC) || d.Source != "t.me/pnc_alertas_gt" {
		t.Errorf("document %+v", d)
	}
	if v := docs["telegram:pnc_alertas_gt/102"].Engagement.Views; v != 1_200_000 {
		t.Errorf("views 1.2M = %d", v)
	}
	if fw := string(docs["telegram:pnc_alertas_gt/98"].Extra["forwarded_from"]); fw != `{"name":"Ministerio Público GT","url":"https://t.me/mp_gt/5512"}` {
		t.Errorf("forwarded_from %s", fw)
	}
	if fw := string(docs["telegram:pnc_alertas_gt/102"].Extra["forwarded_from"]); fw != `{"name":"Canal oculto"}` {
		t.Errorf("hidden forwarded_from %s", fw)
	}
	if strings.Contains(docs["telegram:pnc_alertas_gt/103"].Text, "alert") {
		t.Errorf("script text kept")
	}
	if got := docs["telegram:pnc_alertas_gt/101"].Text; !strings.HasPrefix(got, "🟣 Hoy 25N") {
		t.Errorf("reply quote taken as the text: %q", got)
	}

	// Round 2: a new message and the gap (96, 97).
	f.mu.Lock()
	f.msgs = append(f.msgs, tgMessage{ID: 104, Date: "2026-11-22T11:00:00+00:00", Views: "15", HTML: "Nueva alerta en Zacapa."})
	f.mu.Unlock()
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	got := byID(rec.take())
	if len(got) != 3 || got["telegram:pnc_alertas_gt/104"] == nil || got["telegram:pnc_alertas_gt/96"] == nil {
		t.Fatalf("round 2: %v", keys(got))
	}

	// Refresh: views grew on 101, 100 was deleted.
	f.mu.Lock()
	f.msgs[5].Views = "13.9K"
	f.msgs = append(f.msgs[:4], f.msgs[5:]...)
	f.mu.Unlock()
	now = now.Add(90 * time.Minute)
	reqs := len(f.requests)
	if err := c.refreshDue(t.Context(), c.conns[0], rec.emit); err != nil {
		t.Fatal(err)
	}
	got = byID(rec.take())
	if d := got["telegram:pnc_alertas_gt/101"]; d == nil || d.Version != 2 || d.Engagement.Views != 13900 {
		t.Errorf("refreshed 101: %+v", d)
	}
	if d := got["telegram:pnc_alertas_gt/100"]; d == nil || !d.Deleted {
		t.Errorf("deleted 100: %+v", d)
	}
	if len(got) != 2 {
		t.Errorf("refresh emitted %v", keys(got))
	}
	if n := len(f.requests) - reqs; n > 4 {
		t.Errorf("refreshing 8 messages took %d page reads", n)
	}
}

func TestTelegramDrift(t *testing.T) {
	f := newFakeTelegram(t)
	f.pageSize = 20
	f.msgs[0].Views = ""                      // views gone from one message
	f.msgs[1].Date = "el martes por la tarde" // date no longer machine-readable
	cfg := testConfig(t, t.TempDir())
	cfg.Telegram.BaseURL = f.srv.URL
	cfg.Telegram.Channels = []string{"pnc_alertas_gt"}
	c := mustNew(t, cfg)
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	docs := byID(rec.take())
	if len(docs) != 5 || docs["telegram:pnc_alertas_gt/96"] != nil || docs["telegram:pnc_alertas_gt/97"] != nil {
		t.Fatalf("emitted %v: want the 5 intact messages only", keys(docs))
	}
	h := healthOf(c, "telegram", "t.me/pnc_alertas_gt")
	if h.Problem != ProblemSchemaDrift || !strings.Contains(h.LastError, "views") || !strings.Contains(h.LastError, "datetime") {
		t.Errorf("health %+v", h)
	}
}
