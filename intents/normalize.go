package intents

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxLen is the longest body, in runes, the reader looks at. SMS bodies are
// at most 1600 characters (10 segments); anything beyond is cut before
// reading so a hostile body costs bounded time.
const MaxLen = 1600

// clean makes text safe to process: invalid UTF-8 becomes U+FFFD, the body
// is cut to MaxLen runes, control characters become spaces, and
// invisible format characters (zero-width spaces and joiners, BOM,
// bidirectional marks and isolates) are dropped.
func clean(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(text))
	n := 0
	for _, r := range text {
		if n >= MaxLen {
			break
		}
		n++
		switch {
		case r == '\uFFFD':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Cf, r):
			// Zero-width joiners, RTL/LTR marks, BOM, soft hyphens: invisible.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// trimmable reports whether r may be stripped from either end of a message:
// white space and punctuation, but not symbols (an emoji is an answer).
func trimmable(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsPunct(r) || r == '\uFFFD'
}

// Normalize returns text in the form every comparison of this package uses:
// safe (see MaxLen), NFKC (full-width letters and digits become plain ones),
// lower-cased with Unicode rules, surrounding white space and punctuation
// stripped and inner runs of white space collapsed to one space.
// " Stop!! " and "ＳＴＯＰ" both become "stop".
func Normalize(text string) string {
	s := norm.NFKC.String(clean(text))
	s = strings.ToLower(s)
	s = strings.TrimFunc(s, trimmable)
	return collapseSpaces(s)
}

// collapseSpaces replaces each run of white space with one ASCII space.
func collapseSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// latinFold maps Latin letters that carry no separable accent to their
// plain forms.
var latinFold = map[rune]string{
	'ß': "ss", 'ø': "o", 'ł': "l", 'đ': "d", 'ı': "i", 'æ': "ae", 'œ': "oe",
	'ð': "d", 'þ': "th", 'ŋ': "n", 'ħ': "h",
}

// Fold strips accents from Latin (and Greek) letters of an already
// normalised string: "arrêt" → "arret", "dừng" → "dung", "ναί" → "ναι".
// Marks of other scripts (Devanagari vowel signs, Thai tones, Arabic
// harakat, Cyrillic й) are kept: they are letters there, not decoration.
// Fold is for features and loose matching, never for display.
func Fold(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	var base rune
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			if unicode.Is(unicode.Latin, base) || unicode.Is(unicode.Greek, base) {
				continue
			}
			b.WriteRune(r)
			continue
		}
		base = r
		if f, ok := latinFold[r]; ok {
			b.WriteString(f)
			continue
		}
		if r == 'ς' {
			r = 'σ'
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}
