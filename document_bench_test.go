package escucha_test

import (
	"testing"

	"github.com/infosegura/escucha"
)

var benchLine = []byte(`{"id":"nota-3f2a9c0e1b7d4a5566778899","url":"https://diario.example/sucesos/2026/10/03/x","source":"Diario del Altiplano","source_country":"GT","platform":"news","kind":"article","title":"Matan a mujer en Villa Nueva","text":"Una mujer de 27 años murió por ataque armado en la colonia El Zarzal, zona 6 de Villa Nueva. El Ministerio Público investiga el hecho como femicidio. Vecinos dijeron que escucharon varios disparos.","lang":"es","published":"2026-10-03T14:20:00-06:00","fetched":"2026-10-03T14:31:07-06:00","version":1,"categories":[{"id":"femicidio","score":0.97,"evidence":[{"text":"femicidio","start":172,"end":181,"kind":"event"}]}],"places":[{"country":"GT","admin1":"Guatemala","admin1_code":"GT-01","admin2":"Villa Nueva","admin2_code":"0115","lat":14.5,"lon":-90.5,"role":"focus","score":0.9,"surface":"Villa Nueva","start":17,"end":28}],"x_extra":{"a":[1,2,3]}}`)

// BenchmarkDecodeDocument is the per-message decode cost every stage pays.
func BenchmarkDecodeDocument(b *testing.B) {
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		if _, err := escucha.DecodeDocument(benchLine); err != nil {
			b.Fatal(err)
		}
	}
}
