package intents

import "testing"

func BenchmarkRead(b *testing.B) {
	r := testReader(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Read("Hola, no podré ir mañana, ¿podemos cambiar la cita al viernes?", "")
	}
}

func BenchmarkReadKnownShort(b *testing.B) {
	r := testReader(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Read("si claro", "es")
	}
}

func BenchmarkModelPredict(b *testing.B) {
	m, _ := fixtures(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Predict("Hola, no podré ir mañana, ¿podemos cambiar la cita al viernes?")
	}
}
