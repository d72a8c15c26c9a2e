package intents_test

import (
	"testing"

	"clinicsms/intents"
)

// The locale texts cancel.ask and waitlist.offer ask for these local YES/NO
// words; each must read as a bare yes or no.
func TestLocaleYesNoWordsAreRead(t *testing.T) {
	yes := []string{"SÍ", "是", "CÓ", "예", "OO", "ДА", "نعم", "OUI", "SIM", "TAK", "हाँ", "はい", "JA", "SI", "بله", "ہاں", "હા", "হ্যাঁ", "ਹਾਂ", "ԱՅՈ", "ТАК", "ΝΑΙ", "כן", "HAA", "ใช่", "EVET", "YA", "NDIYO", "BẸ́Ẹ̀NI", "YES"}
	no := []string{"NO", "否", "KHÔNG", "아니요", "HINDI", "НЕТ", "لا", "NON", "NÃO", "NIE", "नहीं", "いいえ", "NEIN", "نه", "نہیں", "ના", "না", "ਨਹੀਂ", "ՈՉ", "НІ", "ΟΧΙ", "לא", "MAYA", "ไม่", "HAYIR", "TIDAK", "HAPANA", "RÁRÁ"}
	for _, w := range yes {
		if !intents.IsBareYes(w) {
			t.Errorf("IsBareYes(%q) = false, want true", w)
		}
	}
	for _, w := range no {
		if !intents.IsBareNo(w) {
			t.Errorf("IsBareNo(%q) = false, want true", w)
		}
	}
}
