package locales

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// texts is what dialogue.Texts asks of the catalog; locales must not import
// dialogue, so the test restates it.
type texts interface {
	Text(lang, key string, data map[string]any) string
	When(lang string, t time.Time) string
}

var _ texts = (*Catalog)(nil)

// sampleTime is Tuesday 3 December 2024, 10:30, in a clinic's zone.
var sampleTime = time.Date(2024, time.December, 3, 10, 30, 0, 0, time.FixedZone("EST", -5*3600))

func newCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := New()
	if err != nil {
		t.Fatalf("New() error: %v", err)
	}
	return c
}

// sampleData is the data every key is rendered with: the brief's sample
// patient and three offered times formatted in lang.
func sampleData(c *Catalog, lang string, count int) map[string]any {
	var opts []string
	for i := range 3 {
		opts = append(opts, fmt.Sprintf("%d) %s", i+1, c.When(lang, sampleTime.Add(time.Duration(i)*26*time.Hour))))
	}
	return map[string]any{
		"Name":        "Maria",
		"Clinic":      "Sunrise Clinic",
		"Provider":    "Dr. Patel",
		"Type":        "checkup",
		"ClinicPhone": "+1 555 0100",
		"When":        sampleTime,
		"Options":     strings.Join(opts, "\n"),
		"Count":       count,
	}
}

// messages parses lang's embedded file on its own, by key.
func messages(t *testing.T, lang string) map[string]*i18n.Message {
	t.Helper()
	name := FileName(lang)
	buf, err := files.ReadFile(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	mf, err := i18n.ParseMessageFileBytes(buf, name, map[string]i18n.UnmarshalFunc{"toml": toml.Unmarshal})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := make(map[string]*i18n.Message, len(mf.Messages))
	for _, m := range mf.Messages {
		out[m.ID] = m
	}
	return out
}

var placeholderRE = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// placeholders returns the sorted, distinct {{.X}} names in src.
func placeholders(src string) []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(src, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func TestEveryLanguageHasAFile(t *testing.T) {
	for _, lang := range Supported {
		if _, err := files.ReadFile(FileName(lang)); err != nil {
			t.Errorf("language %q: missing %s", lang, FileName(lang))
		}
	}
	entries, err := files.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		lang := strings.TrimSuffix(strings.TrimPrefix(e.Name(), "active."), ".toml")
		if !IsSupported(lang) {
			t.Errorf("%s: language %q is not in Supported", e.Name(), lang)
		}
	}
}

func TestNew(t *testing.T) {
	c := newCatalog(t)
	if got := c.Languages(); !slices.Equal(got, Supported) {
		t.Errorf("Languages() = %v, want %v", got, Supported)
	}
}

func TestEveryFileHasEveryKey(t *testing.T) {
	known := slices.Concat(Keys, fmtKeys())
	for _, lang := range Supported {
		msgs := messages(t, lang)
		for _, key := range known {
			if m, ok := msgs[key]; !ok || m.Other == "" {
				t.Errorf("%s: key %q missing or without an \"other\" form", FileName(lang), key)
			}
		}
		for key := range msgs {
			if !slices.Contains(known, key) {
				t.Errorf("%s: unknown key %q", FileName(lang), key)
			}
		}
	}
}

func TestPlaceholdersMatchEnglish(t *testing.T) {
	en := messages(t, Default)
	for _, lang := range Supported {
		msgs := messages(t, lang)
		for _, key := range Keys {
			m, ok := msgs[key]
			if !ok {
				continue // TestEveryFileHasEveryKey reports it
			}
			want := placeholders(en[key].Other)
			for form, src := range pluralForms(m) {
				if got := placeholders(src); !slices.Equal(got, want) {
					t.Errorf("%s: %q form %q has placeholders %v, want %v (as en)", FileName(lang), key, form, got, want)
				}
			}
		}
	}
}

func TestDateKeys(t *testing.T) {
	allowed := map[string][]string{
		keyWhen: {"Day", "Month", "MonthNum", "Time", "Weekday"},
		keyTime: {"AmPm", "HH", "Hour", "Hour12", "Minute"},
	}
	for _, lang := range Supported {
		msgs := messages(t, lang)
		for _, key := range fmtKeys() {
			m, ok := msgs[key]
			if !ok {
				continue // TestEveryFileHasEveryKey reports it
			}
			if len(pluralForms(m)) != 1 {
				t.Errorf("%s: %q has plural forms; date keys have only \"other\"", FileName(lang), key)
			}
			got := placeholders(m.Other)
			for _, p := range got {
				if !slices.Contains(allowed[key], p) {
					t.Errorf("%s: %q uses placeholder %q, allowed: %v", FileName(lang), key, p, allowed[key])
				}
			}
			switch key {
			case keyWhen:
				if !slices.Contains(got, "Day") || !slices.Contains(got, "Time") ||
					!slices.Contains(got, "Month") && !slices.Contains(got, "MonthNum") {
					t.Errorf("%s: %q = %q lacks the day, month or time", FileName(lang), key, m.Other)
				}
			case keyTime:
				hours := 0
				for _, h := range []string{"Hour", "HH", "Hour12"} {
					if slices.Contains(got, h) {
						hours++
					}
				}
				if hours != 1 || !slices.Contains(got, "Minute") {
					t.Errorf("%s: %q = %q needs one hour and the minute", FileName(lang), key, m.Other)
				}
				if slices.Contains(got, "Hour12") != slices.Contains(got, "AmPm") {
					t.Errorf("%s: %q = %q: a 12-hour clock needs AmPm and only it", FileName(lang), key, m.Other)
				}
			}
		}
	}
}

// pluralCategories returns the CLDR categories go-i18n's rules pick for
// lang over whole counts, plus "other", found by rendering a probe message
// whose every form names itself.
func pluralCategories(t *testing.T, lang string) []string {
	t.Helper()
	b := i18n.NewBundle(language.English)
	probe := &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(language.Make(lang), probe); err != nil {
		t.Fatalf("plural rules for %q: %v", lang, err)
	}
	l := i18n.NewLocalizer(b, lang)
	counts := []int{1_000_000, 2_000_000, 1_000_000_000}
	for n := range 1200 {
		counts = append(counts, n)
	}
	seen := map[string]bool{"other": true}
	for _, n := range counts {
		form, err := l.Localize(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			t.Fatalf("probe %q count %d: %v", lang, n, err)
		}
		seen[form] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func TestPluralForms(t *testing.T) {
	en := messages(t, Default)
	var pluralKeys []string
	for _, key := range Keys {
		if len(pluralForms(en[key])) > 1 {
			pluralKeys = append(pluralKeys, key)
		}
	}
	for _, want := range []string{RescheduleOffer, ReschedulePick, HelpInfo} {
		if !slices.Contains(pluralKeys, want) {
			t.Errorf("en: %q has no plural forms", want)
		}
	}
	for _, lang := range Supported {
		need := pluralCategories(t, lang)
		msgs := messages(t, lang)
		for _, key := range Keys {
			m, ok := msgs[key]
			if !ok {
				continue
			}
			have := slices.Sorted(maps.Keys(pluralForms(m)))
			if !slices.Contains(pluralKeys, key) {
				if !slices.Equal(have, []string{"other"}) {
					t.Errorf("%s: %q has plural forms %v but takes no count", FileName(lang), key, have)
				}
				continue
			}
			if !slices.Equal(have, need) {
				t.Errorf("%s: %q has plural forms %v, %s needs %v", FileName(lang), key, have, lang, need)
			}
		}
	}
}

func TestRenderEveryKey(t *testing.T) {
	c := newCatalog(t)
	for _, lang := range Supported {
		for _, count := range []int{0, 1, 2, 3, 5, 11, 21, 22, 100} {
			for _, key := range Keys {
				got := c.Text(lang, key, sampleData(c, lang, count))
				switch {
				case got == "" || got == key:
					t.Errorf("Text(%q, %q) = %q: not rendered", lang, key, got)
				case strings.Contains(got, "<no value>"), strings.Contains(got, "{{"), strings.Contains(got, "}}"):
					t.Errorf("Text(%q, %q, Count %d) = %q: unfilled placeholder", lang, key, count, got)
				}
			}
		}
		if lang == Default {
			continue
		}
		// The language's own file answers, not the English fallback.
		for _, key := range []string{Reminder, ConfirmDone, Handoff} {
			if got, en := c.Text(lang, key, sampleData(c, lang, 3)), c.Text(Default, key, sampleData(c, Default, 3)); got == en {
				t.Errorf("Text(%q, %q) = %q, the same as en", lang, key, got)
			}
		}
	}
}

// hasCode reports whether s holds code as a Latin letter of its own (a
// neighbour may be a letter of another script: "回复C确认").
func hasCode(s, code string) bool {
	re := regexp.MustCompile(`(^|[^A-Za-z])` + code + `([^A-Za-z]|$)`)
	return re.MatchString(s)
}

func TestShortCodes(t *testing.T) {
	c := newCatalog(t)
	en := c.Text(Default, Reminder, sampleData(c, Default, 3))
	for _, want := range []string{" C", " X"} {
		if !strings.Contains(en, want) {
			t.Errorf("Text(en, reminder) = %q, want it to contain %q", en, want)
		}
	}
	for _, lang := range Supported {
		for _, key := range []string{Reminder, Clarify} {
			got := c.Text(lang, key, sampleData(c, lang, 3))
			for _, code := range []string{"C", "R", "X", "W"} {
				if !hasCode(got, code) {
					t.Errorf("Text(%q, %q) = %q lacks the code %s", lang, key, got, code)
				}
			}
		}
		for _, key := range []string{CancelDone, ClinicCancelled} {
			if got := c.Text(lang, key, sampleData(c, lang, 3)); !hasCode(got, "R") {
				t.Errorf("Text(%q, %q) = %q lacks the code R", lang, key, got)
			}
		}
		if got := c.Text(lang, RescheduleNone, nil); !hasCode(got, "W") {
			t.Errorf("Text(%q, %q) = %q lacks the code W", lang, RescheduleNone, got)
		}
		// No text ever asks for the CANCEL keyword: it opts the patient out.
		for _, key := range Keys {
			if got := c.Text(lang, key, sampleData(c, lang, 3)); strings.Contains(got, "CANCEL") {
				t.Errorf("Text(%q, %q) = %q contains CANCEL", lang, key, got)
			}
		}
	}
}

func TestComplianceTexts(t *testing.T) {
	c := newCatalog(t)
	help := c.Text(Default, HelpInfo, sampleData(c, Default, 3))
	for _, want := range []string{"Msg & data rates may apply", "STOP", "Sunrise Clinic", "+1 555 0100", "3"} {
		if !strings.Contains(help, want) {
			t.Errorf("Text(en, help.info) = %q, want it to contain %q", help, want)
		}
	}
	tests := []struct {
		key  string
		want []string
	}{
		{HelpInfo, []string{"STOP", "Sunrise Clinic", "+1 555 0100", "3"}},
		{OptOutDone, []string{"START", "Sunrise Clinic"}},
		{OptOutCancelWord, []string{"START", "Sunrise Clinic", "+1 555 0100"}},
		{OptInDone, []string{"HELP", "STOP", "Sunrise Clinic"}},
	}
	for _, lang := range Supported {
		for _, tt := range tests {
			got := c.Text(lang, tt.key, sampleData(c, lang, 3))
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("Text(%q, %q) = %q, want it to contain %q", lang, tt.key, got, want)
				}
			}
		}
	}
}

func TestTextFallbacks(t *testing.T) {
	c := newCatalog(t)
	data := sampleData(c, Default, 3)
	en := c.Text(Default, ConfirmDone, data)
	tests := []struct {
		lang, key string
		data      map[string]any
		want      string
	}{
		{"xx", ConfirmDone, data, en},
		{"", ConfirmDone, data, en},
		{"EN", ConfirmDone, data, en},
		{"es-MX", ConfirmDone, data, c.Text("es", ConfirmDone, data)},
		{"pt_BR", ConfirmDone, data, c.Text("pt", ConfirmDone, data)},
		{"es", "no.such.key", data, "no.such.key"},
		{"en", Handoff, nil, c.Text(Default, Handoff, map[string]any{})},
		{"en", ReschedulePick, map[string]any{"Count": "many"}, "Please reply with a number from 1 to many."},
		{"en", ReschedulePick, map[string]any{"Count": 1}, "Please reply 1 to pick that time."},
		{"en", ConfirmDone, map[string]any{"When": &sampleTime}, en},
	}
	for _, tt := range tests {
		if got := c.Text(tt.lang, tt.key, tt.data); got != tt.want {
			t.Errorf("Text(%q, %q, %v) = %q, want %q", tt.lang, tt.key, tt.data, got, tt.want)
		}
	}
	var nilCatalog *Catalog
	if got := nilCatalog.Text("en", Handoff, nil); got != Handoff {
		t.Errorf("(*Catalog)(nil).Text(en, handoff) = %q, want the key", got)
	}
	if data["When"] != sampleTime {
		t.Errorf("Text changed the caller's data: When = %v", data["When"])
	}
}

func TestWhen(t *testing.T) {
	c := newCatalog(t)
	afternoon := time.Date(2025, time.March, 7, 15, 5, 0, 0, time.UTC) // a Friday
	midnight := time.Date(2025, time.August, 17, 0, 5, 0, 0, time.UTC) // a Sunday
	tests := []struct {
		lang string
		t    time.Time
		want string
	}{
		{"en", sampleTime, "Tue Dec 3, 10:30 AM"},
		{"en", afternoon, "Fri Mar 7, 3:05 PM"},
		{"en", midnight, "Sun Aug 17, 12:05 AM"},
		{"es", sampleTime, "mar 3 dic, 10:30"},
		{"es", afternoon, "vie 7 mar, 15:05"},
		{"zh", sampleTime, "12月3日 周二 10:30"},
		{"ja", afternoon, "3月7日(金) 15:05"},
		{"ko", afternoon, "3월 7일 (금) 오후 3:05"},
		{"de", sampleTime, "Di., 3. Dez., 10:30 Uhr"},
		{"fr", afternoon, "ven. 7 mars à 15h05"},
		{"ru", sampleTime, "вт, 3 декабря, 10:30"},
		{"ar", afternoon, "الجمعة 7 مارس، 3:05 م"},
		{"hi", sampleTime, "मंगल, 3 दिसंबर, 10:30 AM"},
		{"tr", midnight, "17 Ağu Paz, 00:05"},
		{"id", afternoon, "Jum, 7 Mar, pukul 15.05"},
		{"xx", sampleTime, "Tue Dec 3, 10:30 AM"},
	}
	for _, tt := range tests {
		if got := c.When(tt.lang, tt.t); got != tt.want {
			t.Errorf("When(%q, %s) = %q, want %q", tt.lang, tt.t.Format(time.RFC3339), got, tt.want)
		}
	}
	// The zone is the location's: no conversion.
	if got := c.When("en", sampleTime.In(time.UTC)); got != "Tue Dec 3, 3:30 PM" {
		t.Errorf("When(en, 15:30 UTC) = %q, want %q", got, "Tue Dec 3, 3:30 PM")
	}
	for _, lang := range Supported {
		for d := range 7 {
			day := sampleTime.AddDate(0, 0, d)
			got := c.When(lang, day)
			if strings.Contains(got, "fmt.") || strings.Contains(got, "<no value>") || !strings.Contains(got, fmt.Sprint(day.Day())) {
				t.Errorf("When(%q, %s) = %q", lang, day.Format(time.RFC3339), got)
			}
		}
	}
}

func TestGolden(t *testing.T) {
	c := newCatalog(t)
	for _, lang := range []string{"en", "es", "zh", "ru", "ar", "hi"} {
		var b strings.Builder
		for _, key := range []string{Reminder, ConfirmDone, HelpInfo} {
			fmt.Fprintf(&b, "== %s\n%s\n", key, c.Text(lang, key, sampleData(c, lang, 3)))
		}
		checkGolden(t, filepath.Join("testdata", lang+".golden"), b.String())
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./locales -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test ./locales -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		in       string
		encoding string
		parts    int
	}{
		{"", "GSM-7", 0},
		{"Hi", "GSM-7", 1},
		{strings.Repeat("a", 160), "GSM-7", 1},
		{strings.Repeat("a", 161), "GSM-7", 2},
		{strings.Repeat("a", 306), "GSM-7", 2},
		{strings.Repeat("a", 307), "GSM-7", 3},
		{strings.Repeat("€", 80), "GSM-7", 1},
		{strings.Repeat("€", 81), "GSM-7", 2},
		{strings.Repeat("a", 152) + "€" + strings.Repeat("a", 7), "GSM-7", 2},
		{strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), "GSM-7", 3}, // € not split: 152 | 153 | 1
		{"Ça coûte", "UCS-2", 1},
		{"Señor, ¿qué tal? ÄÖÜäöüß àèéìòù", "GSM-7", 1},
		{strings.Repeat("字", 70), "UCS-2", 1},
		{strings.Repeat("字", 71), "UCS-2", 2},
		{strings.Repeat("字", 134), "UCS-2", 2},
		{strings.Repeat("字", 135), "UCS-2", 3},
		{strings.Repeat("😀", 35), "UCS-2", 1},
		{strings.Repeat("😀", 36), "UCS-2", 2},
		{strings.Repeat("a", 66) + "😀", "UCS-2", 1},
		{strings.Repeat("a", 66) + "😀" + strings.Repeat("a", 3), "UCS-2", 2},
		{strings.Repeat("a", 66) + "😀" + strings.Repeat("a", 66), "UCS-2", 3}, // pair not split: 66 | 67 | 1
	}
	for _, tt := range tests {
		enc, parts := Segments(tt.in)
		if enc != tt.encoding || parts != tt.parts {
			t.Errorf("Segments(%q) = %s, %d; want %s, %d", tt.in, enc, parts, tt.encoding, tt.parts)
		}
	}
}

// TestSegmentReport renders every key in every language with the sample
// data, fails when a text would take more than 3 SMS segments, and keeps the
// counts in testdata/segments.golden (refreshed with -update).
func TestSegmentReport(t *testing.T) {
	const maxParts = 3
	c := newCatalog(t)
	var b strings.Builder
	b.WriteString("# SMS segments per language and key, sample data, Count 3.\n")
	b.WriteString("# lang encoding    max  key=parts...\n")
	for _, lang := range Supported {
		worst, encs := 0, map[string]bool{}
		var cells []string
		for _, key := range Keys {
			for _, count := range []int{1, 2, 3} {
				text := c.Text(lang, key, sampleData(c, lang, count))
				enc, parts := Segments(text)
				if parts > maxParts {
					t.Errorf("Text(%q, %q, Count %d) takes %d %s segments (max %d): %q", lang, key, count, parts, enc, maxParts, text)
				}
				worst = max(worst, parts)
				encs[enc] = true
				if count == 3 {
					cells = append(cells, fmt.Sprintf("%s=%d", key, parts))
				}
			}
		}
		fmt.Fprintf(&b, "%-4s %-11s %d    %s\n", lang, strings.Join(slices.Sorted(maps.Keys(encs)), "+"), worst, strings.Join(cells, " "))
	}
	t.Log("\n" + b.String())
	checkGolden(t, filepath.Join("testdata", "segments.golden"), b.String())
}
