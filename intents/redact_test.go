package intents_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"clinicsms/intents"
)

// One Redactor for the test process: prose's model loads once.
var testRedactor = intents.NewRedactor()

func TestRedact(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		names []string
		want  string
	}{
		// names: known names, any script, case-insensitive, whole words
		{"known name en", "this is ana lopez, can we do friday?", []string{"Ana López"}, "this is [NAME], can we do friday?"},
		{"known name accents", "Habla ANA LÓPEZ, el viernes no puedo", []string{"Ana López"}, "Habla [NAME], el viernes no puedo"},
		{"known name inside word survives", "Dana will come", []string{"Ana"}, "Dana will come"},
		{"known name possessive", "it's Ana's appointment, cancel it", []string{"Ana Lopez"}, "it's [NAME]'s appointment, cancel it"},
		{"known name cyrillic inflected", "Запись Анны на пятницу отменить", []string{"Анна Петрова"}, "Запись [NAME] на пятницу отменить"},
		{"known name arabic proclitic", "موعد وأحمد يوم الجمعة", []string{"أحمد"}, "موعد و[NAME] يوم الجمعة"},
		{"known name chinese substring", "王小明下周二不能来", []string{"王 小明"}, "[NAME]下周二不能来"},
		{"known name thai substring", "สมชายไม่สามารถมาได้", []string{"สมชาย ใจดี"}, "[NAME]ไม่สามารถมาได้"},
		{"known name hindi", "मैं राहुल हूँ, कल नहीं आ पाऊँगा", []string{"राहुल शर्मा"}, "मैं [NAME] हूँ, कल नहीं आ पाऊँगा"},
		{"common-word name lowercase survives", "I will be there", []string{"Will Smith"}, "I will be there"},
		{"common-word name capitalised", "Will Smith here, yes", []string{"Will Smith"}, "[NAME] [NAME] here, yes"},
		{"one-letter initial survives", "C", []string{"J. C. Doe"}, "C"},
		// names: introductions
		{"my name is", "my name is john smith and i need tuesday", nil, "my name is [NAME] and i need tuesday"},
		{"me llamo", "Hola, me llamo Juan Pérez García, quiero cambiar la cita", nil, "Hola, me llamo [NAME], quiero cambiar la cita"},
		{"soy capitalised", "Soy María, ¿puedo ir el lunes?", nil, "Soy [NAME], ¿puedo ir el lunes?"},
		{"je m'appelle", "je m'appelle Claire Dubois, je ne peux pas venir", nil, "je m'appelle [NAME], je ne peux pas venir"},
		{"ich bin", "Ich bin Anna und komme Montag", nil, "Ich bin [NAME] und komme Montag"},
		{"меня зовут", "меня зовут Ольга, можно в пятницу?", nil, "меня зовут [NAME], можно в пятницу?"},
		{"我叫", "我叫李伟，想改时间", nil, "我叫[NAME]，想改时间"},
		{"제 이름은", "제 이름은 김민수입니다", nil, "제 이름은 [NAME]입니다"},
		{"اسمي", "اسمي فاطمة وأريد موعدا آخر", nil, "اسمي [NAME] وأريد موعدا آخر"},
		{"I am not a name", "I am not sure, maybe", nil, "I am not sure, maybe"},
		{"this is not a name", "this is the clinic?", nil, "this is the clinic?"},
		{"soy not a name", "soy yo, confirmo", nil, "soy yo, confirmo"},
		// names: prose NER on English text
		{"ner", "Please tell Robert Jones that Monday works", nil, "Please tell [NAME] [NAME] that Monday works"},
		// phones
		{"phone us", "call me at (555) 123-4567 please", nil, "call me at [PHONE] please"},
		{"phone e164", "my new number is +15551234567", nil, "my new number is [PHONE]"},
		{"phone intl spaced", "mi número es +52 55 1234 5678", nil, "mi número es [PHONE]"},
		{"phone dots", "tel 555.123.4567", nil, "tel [PHONE]"},
		{"phone fr pairs", "appelez le 06 12 34 56 78", nil, "appelez le [PHONE]"},
		{"phone ru", "звоните 8 (495) 123-45-67", nil, "звоните [PHONE]"},
		{"phone arabic-indic", "رقمي ٠٥٠١٢٣٤٥٦٧", nil, "رقمي [PHONE]"},
		{"phone persian digits", "شماره من ۰۹۱۲۱۲۳۴۵۶۷", nil, "شماره من [PHONE]"},
		{"phone devanagari digits", "मेरा नंबर ९८७६५४३२१० है", nil, "मेरा नंबर [PHONE] है"},
		{"phone seven digits", "call 555-1234", nil, "call [PHONE]"},
		// emails
		{"email", "email me at ana.lopez+clinic@example.com", nil, "email me at [EMAIL]"},
		{"email unicode", "correo: josé@correo.mx gracias", nil, "correo: [EMAIL] gracias"},
		// dates of birth
		{"dob us", "DOB 03/14/1985, can we do 12/5?", nil, "DOB [DOB], can we do 12/5?"},
		{"dob dotted", "fecha de nacimiento: 14.03.1985", nil, "fecha de nacimiento: [DOB]"},
		{"dob iso", "born 1985-03-14", nil, "born [DOB]"},
		{"dob words en", "my son was born March 14, 1985 no wait", nil, "my son was born [DOB] no wait"},
		{"full date words en", "it is for March 14, 1985 birthday boy", nil, "it is for [DOB] birthday boy"},
		{"full date es", "nací el 14 de marzo de 1985", nil, "nací el [DOB]"},
		{"full date fr", "née le 3 avril 1979, je confirme", nil, "née le [DOB], je confirme"},
		{"full date de", "geboren am 14. März 1985", nil, "geboren am [DOB]"},
		{"full date ru", "дата рождения 14 марта 1985", nil, "дата рождения [DOB]"},
		{"full date zh", "生日是1985年3月14日，下周二可以吗", nil, "生日是[DOB]，下周二可以吗"},
		{"full date ko", "생년월일 1985년 3월 14일", nil, "생년월일 [DOB]"},
		{"dob spelled out", "my DOB is fourteen march eighty five, friday ok", nil, "my DOB is [DOB], friday ok"},
		{"dob two-digit year", "dob 3/14/85", nil, "dob [DOB]"},
		{"dob arabic-indic", "تاريخ الميلاد ١٤/٠٣/١٩٨٥", nil, "تاريخ الميلاد [DOB]"},
		// addresses
		{"address us", "I live at 123 Main St apt 4B now", nil, "I live at [ADDRESS] [ADDRESS] now"},
		{"address zip", "Springfield, IL 62704", nil, "Springfield, [ADDRESS]"},
		{"address es", "vivo en Calle Mayor 5, 28013 Madrid", nil, "vivo en [ADDRESS], [ADDRESS] Madrid"},
		{"address fr", "j'habite 12 rue de la Paix 75002 Paris", nil, "j'habite [ADDRESS] Paris"},
		{"address de", "Hauptstraße 5, 10115 Berlin", nil, "[ADDRESS], [ADDRESS] Berlin"},
		{"address pt", "moro na Rua das Flores, 123", nil, "moro na [ADDRESS]"},
		{"address it", "abito in Via Roma 10", nil, "abito in [ADDRESS]"},
		{"address uk postcode", "SW1A 1AA is my postcode", nil, "[ADDRESS] is my postcode"},
		{"address zip+4", "zip 90210-1234", nil, "zip [ADDRESS]"},
		// record numbers
		{"mrn", "MRN 12345678 and SSN 123-45-6789", nil, "MRN [ID] and SSN [ID]"},
		{"ssn bare", "it's 123-45-6789", nil, "it's [ID]"},
		{"insurance id", "my insurance id is XK-99812", nil, "my insurance id is [ID]"},
		{"member id", "Member ID: W123456789", nil, "Member ID: [ID]"},
		{"expediente", "mi número de expediente es 4455-221", nil, "mi número de expediente es [ID]"},
		{"alnum id", "ref A1234567 thanks", nil, "ref [ID] thanks"},
		{"policy no", "policy no. 77-123-9", nil, "policy no. [ID]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testRedactor.Redact(tt.text, tt.names); got != tt.want {
				t.Errorf("Redact(%q, %q) = %q, want %q", tt.text, tt.names, got, tt.want)
			}
		})
	}
}

// TestRedactKeeps lists replies the model needs as they are: times,
// weekdays, short dates, codes, small numbers, clinic words.
func TestRedactKeeps(t *testing.T) {
	next := time.Now().Year() + 1
	keep := []string{
		"C", "R", "X", "W", "2", "1", "3", "yes", "STOP", "HELP", "👍",
		"Friday at 3pm", "can we do Friday pm?", "12/5", "12/5 at 10:30", "tomorrow morning",
		"10am-11am works", "10.30-11.45 ok", "between 9 and 11", "next week, after the 15th",
		"下周二", "下午三点可以吗", "明日の午後はどうですか", "다음 주 화요일 오후 2시",
		"el viernes a las 3", "le 12 mars à 14h", "am 3. Mai um 15 Uhr", "пятница в 15:00",
		fmt.Sprintf("can we do 12/5/%d?", next), fmt.Sprintf("%d-01-15 works", next),
		"I will be there", "I'm running 10 minutes late", "where do I park?", "how much is the copay?",
		"Dr. office said ok", "can I bring my 2 kids?", "room 204", "cancel my appointment",
		"no más mensajes", "ok gracias", "kal nahi aa paunga", "آیا می‌توانم سه‌شنبه بیایم؟",
		"I need 2 more days", "via text at 3 please", "1030am ok",
	}
	for _, s := range keep {
		if got := testRedactor.Redact(s, []string{"Maria Garcia"}); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
	}
}

// TestRedactSecretsGone checks whole messages: after redaction none of
// the patient's details is left.
func TestRedactSecretsGone(t *testing.T) {
	tests := []struct {
		text    string
		names   []string
		secrets []string
	}{
		{"Hi, this is Maria Garcia (DOB 02/07/1961), MRN 88812345. Call me at 555-867-5309 or maria.g@mail.com. I moved to 42 Oak Avenue. Can we do Friday?",
			[]string{"Maria Garcia"}, []string{"Maria", "Garcia", "1961", "88812345", "867", "5309", "mail.com", "42 Oak"}},
		{"Soy José Hernández, mi fecha de nacimiento es 5 de mayo de 1970, vivo en Avenida Reforma 222, mi celular 55 1234 5678. ¿Me pueden cambiar al lunes?",
			[]string{"José Hernández"}, []string{"José", "Hernández", "1970", "Reforma", "1234", "5678"}},
		{"我叫王小明，生日1990年1月2日，电话13812345678，可以改到下周二吗？",
			[]string{"王小明"}, []string{"王小明", "1990", "13812345678"}},
		{"Меня зовут Иван Петров, дата рождения 01.02.1975, телефон +7 916 123-45-67",
			[]string{"Иван Петров"}, []string{"Иван", "Петров", "1975", "916"}},
	}
	for _, tt := range tests {
		got := testRedactor.Redact(tt.text, tt.names)
		for _, s := range tt.secrets {
			if strings.Contains(strings.ToLower(got), strings.ToLower(s)) {
				t.Errorf("Redact(%q) = %q, still contains %q", tt.text, got, s)
			}
		}
	}
}

func TestRedactPackageFunc(t *testing.T) {
	if got := intents.Redact("call 555-123-4567", nil); got != "call [PHONE]" {
		t.Errorf("Redact(%q) = %q, want %q", "call 555-123-4567", got, "call [PHONE]")
	}
}

var reDigitRun = regexp.MustCompile(`\p{Nd}{7,}`)

func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"", "C", "my name is John", "call 555-123-4567", "DOB 03/14/1985", "١٢٣٤٥٦٧٨٩",
		"生日1985年3月14日", "\xff\xfe", "Ana\u200dLópez", "[NAME] [NAME]", "a@b.c", "123 Main St apt 4B",
		"ṩ̷̢̛͎̹̀", "İstanbul ıı", "ß ẞ", "😀👍🏽", strings.Repeat("9", 40), "MRN: 1-2-3-4-5-6-7",
		"Σίσυφος ς", "ﷺ ﷽", "\u0000\u001f", "my name is [", "this is Dr", "born", "DOB",
	} {
		f.Add(s, "Ana López")
	}
	f.Fuzz(func(t *testing.T, text, name string) {
		got := testRedactor.Redact(text, []string{name})
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Errorf("Redact(%q) = %q: invalid UTF-8", text, got)
		}
		if reDigitRun.MatchString(got) {
			t.Errorf("Redact(%q) = %q: a run of 7+ digits survives", text, got)
		}
		if utf8.RuneCountInString(got) > 4*intents.MaxLen {
			t.Errorf("Redact(%d runes) = %d runes", utf8.RuneCountInString(text), utf8.RuneCountInString(got))
		}
	})
}

// BenchmarkRedactorLoad measures prose's model load: a new Redactor's
// first English text.
func BenchmarkRedactorLoad(b *testing.B) {
	for b.Loop() {
		intents.NewRedactor().Redact("this is John, can we do Friday?", nil)
	}
}

// BenchmarkRedact measures one typical message once the model is loaded.
func BenchmarkRedact(b *testing.B) {
	msgs := map[string]string{
		"en":    "Hi this is Maria Garcia, DOB 02/07/1961, can we move it to Friday at 3pm? Call 555-867-5309",
		"es":    "Soy José, mi fecha de nacimiento es 5 de mayo de 1970, ¿me pueden cambiar al lunes?",
		"short": "yes",
	}
	r := intents.NewRedactor()
	r.Redact("warm up John", nil)
	for name, m := range msgs {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				r.Redact(m, []string{"Maria Garcia"})
			}
		})
	}
}
