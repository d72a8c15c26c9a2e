package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed active.*.toml
var files embed.FS

// Date and time keys: each language's file defines them next to the message
// keys. They are not in Keys because only When renders them.
//
// fmt.weekday.0 (Sunday) .. fmt.weekday.6 and fmt.month.1 .. fmt.month.12 are
// short names. keyTime renders the clock from Hour (0-23), HH (00-23), Hour12
// (1-12), Minute (00-59) and AmPm (keyAM or keyPM). keyWhen renders the whole
// date and time from Weekday, Day, Month (name), MonthNum and Time (keyTime
// already rendered).
const (
	keyWhen = "fmt.when"
	keyTime = "fmt.time"
	keyAM   = "fmt.am"
	keyPM   = "fmt.pm"
)

// fmtKeys lists every date and time key a language file must define.
func fmtKeys() []string {
	keys := []string{keyWhen, keyTime, keyAM, keyPM}
	for d := range 7 {
		keys = append(keys, weekdayKey(time.Weekday(d)))
	}
	for m := 1; m <= 12; m++ {
		keys = append(keys, monthKey(time.Month(m)))
	}
	return keys
}

func weekdayKey(d time.Weekday) string { return "fmt.weekday." + strconv.Itoa(int(d)) }
func monthKey(m time.Month) string     { return "fmt.month." + strconv.Itoa(int(m)) }

// Catalog renders the embedded messages of every supported language. It is
// read-only after New and safe for concurrent use.
type Catalog struct {
	localizers map[string]*i18n.Localizer
}

// New parses every embedded active.<lang>.toml file and checks that each
// language of Supported has a file defining every key of Keys and of the date and time keys
// with a valid template. Its error names the file and key at fault.
func New() (*Catalog, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)

	names, err := fs.Glob(files, "active.*.toml")
	if err != nil {
		return nil, fmt.Errorf("locales: list files: %w", err)
	}
	byLang := make(map[string]*i18n.MessageFile, len(names))
	for _, name := range names {
		lang := strings.TrimSuffix(strings.TrimPrefix(name, "active."), ".toml")
		if !IsSupported(lang) {
			return nil, fmt.Errorf("locales: %s: language %q is not in Supported", name, lang)
		}
		buf, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("locales: %s: %w", name, err)
		}
		mf, err := bundle.ParseMessageFileBytes(buf, name)
		if err != nil {
			return nil, fmt.Errorf("locales: %s: %w", name, err)
		}
		byLang[lang] = mf
	}

	c := &Catalog{localizers: make(map[string]*i18n.Localizer, len(Supported))}
	for _, lang := range Supported {
		name := FileName(lang)
		mf, ok := byLang[lang]
		if !ok {
			return nil, fmt.Errorf("locales: %s: missing file for supported language %q", name, lang)
		}
		if err := checkMessages(mf); err != nil {
			return nil, fmt.Errorf("locales: %s: %w", name, err)
		}
		c.localizers[lang] = i18n.NewLocalizer(bundle, lang)
	}
	return c, nil
}

// FileName returns the name of lang's embedded message file.
func FileName(lang string) string { return "active." + lang + ".toml" }

// checkMessages reports the first key of Keys or fmtKeys that mf lacks, that
// has no "other" form, or whose template does not parse.
func checkMessages(mf *i18n.MessageFile) error {
	byID := make(map[string]*i18n.Message, len(mf.Messages))
	for _, m := range mf.Messages {
		byID[m.ID] = m
	}
	for _, key := range slices.Concat(Keys, fmtKeys()) {
		m, ok := byID[key]
		if !ok {
			return fmt.Errorf("key %q: missing", key)
		}
		if m.Other == "" {
			return fmt.Errorf("key %q: no \"other\" form", key)
		}
		for form, src := range pluralForms(m) {
			if _, err := template.New(key).Parse(src); err != nil {
				return fmt.Errorf("key %q form %q: %w", key, form, err)
			}
		}
	}
	return nil
}

// pluralForms returns the non-empty plural forms of m by CLDR category name.
func pluralForms(m *i18n.Message) map[string]string {
	all := map[string]string{
		"zero": m.Zero, "one": m.One, "two": m.Two,
		"few": m.Few, "many": m.Many, "other": m.Other,
	}
	maps.DeleteFunc(all, func(_, src string) bool { return src == "" })
	return all
}

// Languages returns the codes of the languages the catalog speaks, in the
// order of Supported.
func (c *Catalog) Languages() []string {
	out := make([]string, 0, len(Supported))
	for _, lang := range Supported {
		if c != nil && c.localizers[lang] != nil {
			out = append(out, lang)
		}
	}
	return out
}

// localizer returns the localizer of lang, of its base language ("es" for
// "es-MX"), or of Default.
func (c *Catalog) localizer(lang string) (string, *i18n.Localizer) {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if l := c.localizers[lang]; l != nil {
		return lang, l
	}
	if base, _, ok := strings.Cut(strings.ReplaceAll(lang, "_", "-"), "-"); ok {
		if l := c.localizers[base]; l != nil {
			return base, l
		}
	}
	return Default, c.localizers[Default]
}

// Text renders key in lang, falling back to English for an unknown language
// or a key the language lacks. data["Count"] chooses the plural form; every
// time.Time in data is formatted with When first. A key found nowhere renders
// as the key itself. Text never panics.
func (c *Catalog) Text(lang, key string, data map[string]any) (out string) {
	if c == nil || len(c.localizers) == 0 {
		return key
	}
	defer func() {
		if recover() != nil {
			out = key
		}
	}()
	lang, l := c.localizer(lang)
	td := make(map[string]any, len(data))
	for k, v := range data {
		switch t := v.(type) {
		case time.Time:
			td[k] = c.When(lang, t)
		case *time.Time:
			if t != nil {
				td[k] = c.When(lang, *t)
			}
		default:
			td[k] = v
		}
	}
	cfg := &i18n.LocalizeConfig{MessageID: key, TemplateData: td}
	if n, ok := data["Count"]; ok && n != nil {
		cfg.PluralCount = n
	}
	msg, err := l.Localize(cfg)
	if err != nil && cfg.PluralCount != nil && msg == "" {
		// A count go-i18n cannot read (not a number): render the "other" form.
		cfg.PluralCount = nil
		msg, _ = l.Localize(cfg)
	}
	if msg == "" {
		return key
	}
	return msg
}

// When formats t as a short date and time in lang with that language's
// names and clock, without converting t to another zone.
func (c *Catalog) When(lang string, t time.Time) string {
	if c == nil || len(c.localizers) == 0 {
		return t.Format("Mon Jan 2, 3:04 PM")
	}
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	ampm := keyAM
	if t.Hour() >= 12 {
		ampm = keyPM
	}
	data := map[string]any{
		"Hour":   strconv.Itoa(t.Hour()),
		"HH":     fmt.Sprintf("%02d", t.Hour()),
		"Hour12": strconv.Itoa(hour12),
		"Minute": fmt.Sprintf("%02d", t.Minute()),
		"AmPm":   c.Text(lang, ampm, nil),
	}
	data["Time"] = c.Text(lang, keyTime, data)
	data["Weekday"] = c.Text(lang, weekdayKey(t.Weekday()), nil)
	data["Month"] = c.Text(lang, monthKey(t.Month()), nil)
	data["MonthNum"] = strconv.Itoa(int(t.Month()))
	data["Day"] = strconv.Itoa(t.Day())
	return c.Text(lang, keyWhen, data)
}
