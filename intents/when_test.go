package intents

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"clinicsms/locales"
)

// describe renders a window compactly relative to now for table tests:
// "12-04..12-05 12:00-17:00 [Fri]". From equal to now shows as "now", a
// zero To as nothing; time-of-day bounds and Days only when set.
func describe(w Window, now time.Time) string {
	var b strings.Builder
	switch {
	case w.From.Equal(now):
		b.WriteString("now")
	case w.From.IsZero():
		b.WriteString("-")
	default:
		b.WriteString(stamp(w.From))
	}
	b.WriteString("..")
	if !w.To.IsZero() {
		b.WriteString(stamp(w.To))
	}
	if w.After > 0 || w.Before > 0 {
		b.WriteString(" ")
		if w.After > 0 {
			b.WriteString(hhmm(w.After))
		}
		b.WriteString("-")
		if w.Before > 0 {
			b.WriteString(hhmm(w.Before))
		}
	}
	if w.Days != nil {
		var ds []string
		for _, d := range w.Days {
			ds = append(ds, d.String()[:3])
		}
		b.WriteString(" [" + strings.Join(ds, " ") + "]")
	}
	return b.String()
}

func stamp(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("01-02")
	}
	return t.Format("01-02 15:04")
}

func hhmm(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// whenRow is one line of a testdata/when table.
type whenRow struct {
	line             int
	lang, text, want string
}

func readWhenTable(t testing.TB, name string) []whenRow {
	t.Helper()
	f, err := os.Open("testdata/when/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []whenRow
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " | ")
		if len(parts) != 3 {
			t.Fatalf("%s:%d: want lang | text | result, got %q", name, n, line)
		}
		rows = append(rows, whenRow{n, parts[0], parts[1], parts[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// testZones are the clinic zones every wish is read in; now is Tue
// 2026-12-01 09:00 on the clinic's clock in each.
var testZones = []string{"America/New_York", "Asia/Tokyo"}

func TestParseWhenTable(t *testing.T) {
	rows := readWhenTable(t, "wishes.txt")
	perLang := map[string]int{}
	for _, r := range rows {
		perLang[r.lang]++
	}
	for _, lang := range locales.Supported {
		if perLang[lang] < 4 {
			t.Errorf("testdata/when/wishes.txt has %d wishes in %s, want at least 4", perLang[lang], lang)
		}
	}
	for _, zn := range testZones {
		zone := mustZone(t, zn)
		now := time.Date(2026, 12, 1, 9, 0, 0, 0, zone)
		for _, r := range rows {
			w, ok := ParseWhen(r.text, r.lang, now, zone)
			if !ok {
				t.Errorf("wishes.txt:%d ParseWhen(%q, %q) in %s: ok=false, want %s", r.line, r.text, r.lang, zn, r.want)
				continue
			}
			if got := describe(w, now); got != r.want {
				t.Errorf("wishes.txt:%d ParseWhen(%q, %q) in %s = %s, want %s", r.line, r.text, r.lang, zn, got, r.want)
			}
			if w.Empty() {
				t.Errorf("wishes.txt:%d ParseWhen(%q, %q) in %s is Empty", r.line, r.text, r.lang, zn)
			}
			if w.From.Location() != zone {
				t.Errorf("ParseWhen(%q, %q).From in %v, want %s", r.text, r.lang, w.From.Location(), zn)
			}
		}
	}
}

// TestParseWhenZone checks that now is read on the clinic's clock: 14:00
// UTC on Tue 1 Dec is 09:00 in New York but 23:00 in Tokyo, where Tuesday
// is over and "Tuesday" means next week's.
func TestParseWhenZone(t *testing.T) {
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	for _, c := range []struct{ zone, text, want string }{
		{"America/New_York", "Tuesday", "now..12-02"},
		{"Asia/Tokyo", "Tuesday", "12-08..12-09"},
		{"America/New_York", "tomorrow", "12-02..12-03"},
		{"Asia/Tokyo", "tomorrow", "12-02..12-03"},
		{"Asia/Tokyo", "today", "now..12-02"},
	} {
		zone := mustZone(t, c.zone)
		w, ok := ParseWhen(c.text, "en", now, zone)
		if got := describe(w, now.In(zone)); !ok || got != c.want {
			t.Errorf("ParseWhen(%q) at 14:00 UTC in %s = %s, %v; want %s", c.text, c.zone, got, ok, c.want)
		}
	}
}

func TestParseWhenNothingTemporal(t *testing.T) {
	zone := mustZone(t, "America/New_York")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, zone)
	for _, c := range []struct{ lang, text string }{
		{"en", "yes"}, {"en", "cancel"}, {"en", "where do I park"}, {"en", "STOP"}, {"en", "I am not sure"},
		{"en", "2"}, {"en", "ok thanks!"}, {"en", "C"}, {"en", "👍"}, {"en", ""}, {"en", "call me at 555 1234"},
		{"es", "sí"}, {"es", "gracias"}, {"es", "¿dónde estaciono?"}, {"zh", "好的"}, {"zh", "取消"}, {"vi", "vâng"},
		{"vi", "tôi muốn đổi lịch"}, {"ko", "네"}, {"tl", "oo"}, {"ru", "да"}, {"ru", "отмена"}, {"ar", "نعم"},
		{"fr", "oui merci"}, {"pt", "sim"}, {"pl", "tak"}, {"hi", "हाँ"}, {"hi", "theek hai"}, {"ja", "はい"},
		{"de", "ja"}, {"de", "ich bin da"}, {"it", "sì"}, {"fa", "بله"}, {"ur", "جی ہاں"}, {"gu", "હા"},
		{"bn", "হ্যাঁ"}, {"pa", "ਹਾਂ"}, {"hy", "այո"}, {"uk", "так"}, {"el", "ναι"}, {"he", "כן"}, {"so", "haa"},
		{"th", "ใช่"}, {"tr", "evet"}, {"id", "ya"}, {"sw", "ndiyo"}, {"yo", "bẹ́ẹ̀ni"}, {"xx", "yes"},
		// Arabizi digits are letters; Arabic "كل يوم" is "every day", not Urdu "kal".
		{"ar", "hada ra2am min?"}, {"ar", "mosa3ada law sama7t"}, {"ar", "مين بيراسلني كل يوم؟"},
		// go-dateparser v1.4.7 panics inside Search on "¿": recovered.
		{"es", "Hola, ¿quién es por favor? 2"},
	} {
		if w, ok := ParseWhen(c.text, c.lang, now, zone); ok {
			t.Errorf("ParseWhen(%q, %q) = %s, want ok=false", c.text, c.lang, describe(w, now))
		}
	}
}

func TestWindowContains(t *testing.T) {
	zone := mustZone(t, "America/New_York")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, zone)
	w, _ := ParseWhen("Friday afternoon", "en", now, zone)
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, zone) }
	for _, c := range []struct {
		t    time.Time
		want bool
	}{
		{at(4, 14, 0), true}, {at(4, 12, 0), true}, {at(4, 16, 59), true}, {at(4, 17, 0), false},
		{at(4, 11, 30), false}, {at(5, 14, 0), false}, {at(3, 14, 0), false},
		// The same instant written in another zone is compared on the clinic's clock.
		{at(4, 14, 0).In(time.UTC), true}, {at(4, 11, 0).In(mustZone(t, "Europe/Paris")), false},
	} {
		if got := w.Contains(c.t); got != c.want {
			t.Errorf("Friday afternoon.Contains(%v) = %v, want %v", c.t, got, c.want)
		}
	}
	// Days filter and a DST day (14 Mar 2027: 09:30 on the clock is 8.5 h after midnight).
	w = Window{From: now, Days: []time.Weekday{time.Sunday}, After: 9 * time.Hour}
	dst := time.Date(2027, 3, 14, 9, 30, 0, 0, zone)
	if !w.Contains(dst) {
		t.Errorf("Sunday after 09:00 .Contains(%v) = false, want true", dst)
	}
	if w.Contains(dst.Add(24 * time.Hour)) {
		t.Errorf("Sunday after 09:00 .Contains(Monday) = true, want false")
	}
}

func TestWindowEmpty(t *testing.T) {
	zone := mustZone(t, "America/New_York")
	now := time.Date(2026, 12, 1, 13, 0, 0, 0, zone)
	for _, c := range []struct {
		text string
		want bool
	}{
		{"today in the morning", true}, // 13:00: this morning is over
		{"today in the afternoon", false},
		{"tomorrow morning", false},
		{"today before 9", true},
		{"in the evening", false},
	} {
		w, ok := ParseWhen(c.text, "en", now, zone)
		if !ok {
			t.Errorf("ParseWhen(%q) ok=false", c.text)
			continue
		}
		if got := w.Empty(); got != c.want {
			t.Errorf("ParseWhen(%q) = %s; Empty() = %v, want %v", c.text, describe(w, now), got, c.want)
		}
	}
	for _, c := range []struct {
		name string
		w    Window
		want bool
	}{
		{"zero", Window{}, false},
		{"crossed", Window{From: now, To: now.Add(-time.Hour)}, true},
		{"crossed time of day", Window{After: 15 * time.Hour, Before: 12 * time.Hour}, true},
		{"no days", Window{Days: []time.Weekday{}}, true},
		{"weekday not in span", Window{From: now, To: now.Add(48 * time.Hour), Days: []time.Weekday{time.Saturday}}, true},
	} {
		if got := c.w.Empty(); got != c.want {
			t.Errorf("Window %s .Empty() = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPickByWordsTable(t *testing.T) {
	rows := readWhenTable(t, "picks.txt")
	langs := map[string]bool{}
	for _, r := range rows {
		langs[r.lang] = true
	}
	if len(langs) < 10 {
		t.Errorf("picks.txt covers %d languages, want at least 10", len(langs))
	}
	for _, zn := range testZones {
		zone := mustZone(t, zn)
		options := []time.Time{
			time.Date(2026, 12, 8, 10, 30, 0, 0, zone),
			time.Date(2026, 12, 9, 14, 0, 0, 0, zone),
			time.Date(2026, 12, 11, 17, 30, 0, 0, zone),
		}
		for _, r := range rows {
			got, ok := PickByWords(r.text, r.lang, options, zone)
			want, wantOK := 0, r.want != "none"
			if wantOK {
				var err error
				if want, err = strconv.Atoi(r.want); err != nil {
					t.Fatalf("picks.txt:%d: bad index %q", r.line, r.want)
				}
			}
			if ok != wantOK || (ok && got != want) {
				t.Errorf("picks.txt:%d PickByWords(%q, %q) in %s = %d, %v; want %s", r.line, r.text, r.lang, zn, got, ok, r.want)
			}
		}
	}
}

func TestPickByWordsAmbiguous(t *testing.T) {
	zone := mustZone(t, "Asia/Tokyo")
	twoTuesdays := []time.Time{
		time.Date(2026, 12, 8, 10, 0, 0, 0, zone),
		time.Date(2026, 12, 8, 15, 0, 0, 0, zone),
		time.Date(2026, 12, 10, 10, 0, 0, 0, zone),
	}
	for _, c := range []struct {
		lang, text string
		want       int
		ok         bool
	}{
		{"en", "the Tuesday one", 0, false},
		{"en", "the Tuesday afternoon one", 1, true},
		{"en", "the 10am", 0, false},
		{"en", "Thursday", 2, true},
		{"es", "el martes por la tarde", 1, true},
		{"en", "4", 0, false},
	} {
		got, ok := PickByWords(c.text, c.lang, twoTuesdays, zone)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("PickByWords(%q, %q) = %d, %v; want %d, %v", c.text, c.lang, got, ok, c.want, c.ok)
		}
	}
	if _, ok := PickByWords("the first", "en", nil, zone); ok {
		t.Errorf("PickByWords with no options: ok=true")
	}
}

// FuzzParseWhen checks that no text, in any language, makes ParseWhen or
// PickByWords panic, and that a window never starts before now.
func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{
		"Friday afternoon", "下周二", "3点以后", "12月5日", "5/12/2027", "2026-12-05", "10:30", "2-4pm", "٣ بعد الظهر",
		"١٢/٥", "saa 9", "99:99", "31/02", "0/0", "12/", "-", "--5", "3'ten sonra", "ժամը 3-ից հետո", "5.12.", "à 10h",
		"ok pero después de las 3 ¿se puede?", "¿5 de diciembre?", "ra2am 3a",
		"\xff\xfe", "0000000000000000000", "1st 2nd 3rd 32nd", "日本", "월월월", "morgen früh um 8", "n'importe quand sauf lundi",
	} {
		f.Add(s, "en")
		f.Add(s, "zh")
		f.Add(s, "de")
	}
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, zone)
	options := []time.Time{now.Add(24 * time.Hour), now.Add(50 * time.Hour), now.Add(74 * time.Hour)}
	f.Fuzz(func(t *testing.T, text, lang string) {
		w, ok := ParseWhen(text, lang, now, zone)
		if ok && w.From.Before(now) {
			t.Errorf("ParseWhen(%q, %q).From = %v, before now", text, lang, w.From)
		}
		_ = w.Empty()
		_ = w.Contains(now)
		if i, ok := PickByWords(text, lang, options, zone); ok && (i < 0 || i >= len(options)) {
			t.Errorf("PickByWords(%q, %q) = %d, out of range", text, lang, i)
		}
	})
}

func BenchmarkParseWhen(b *testing.B) {
	rows := readWhenTable(b, "wishes.txt")
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, zone)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := rows[i%len(rows)]
		ParseWhen(r.text, r.lang, now, zone)
	}
}

// BenchmarkParseWhenPaths times the three kinds of call: a wish the word
// tables read alone, one with a month name that also goes to
// go-dateparser, and a text in an unknown language code that tries every
// table before giving up.
func BenchmarkParseWhenPaths(b *testing.B) {
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, zone)
	for _, c := range []struct{ name, lang, text string }{
		{"tables", "es", "el próximo viernes por la tarde después de las 3"},
		{"dateparser", "ru", "5 декабря после обеда"},
		{"unknown-lang-nothing", "xx", "where do I park my car"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseWhen(c.text, c.lang, now, zone)
			}
		})
	}
}
