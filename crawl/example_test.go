package crawl

import "testing"

func TestExampleYAML(t *testing.T) {
	cfg, err := LoadConfig("../escucha.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) < 20 {
		t.Fatalf("%d sources", len(cfg.Sources))
	}
}
