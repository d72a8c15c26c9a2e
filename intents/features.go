package intents

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// feature is one hashed feature of a text and its value.
type feature struct {
	idx uint32
	val float32
}

// negations are words (accent-folded) after which the next few tokens of
// the same clause are marked NEG_: "no, I'm not cancelling" gives
// NEG_cancelling, which the model learns is not a cancel. Words of one
// language that are common non-negations in another ("si" in Swahili,
// "ne" in Hindi) are left out.
var negations = map[string]bool{
	// en
	"no": true, "not": true, "never": true, "dont": true, "doesnt": true, "didnt": true,
	"cant": true, "cannot": true, "wont": true, "wouldnt": true, "isnt": true, "aint": true,
	"unable": true, "nope": true,
	// es, pt, it, fr, de, pl
	"nunca": true, "tampoco": true, "nao": true, "non": true, "pas": true, "jamais": true,
	"nicht": true, "kein": true, "keine": true, "nie": true,
	// ru, uk
	"не": true, "нет": true, "ні": true, "ни": true,
	// tl, id, tr, vi, yo
	"hindi": true, "di": true, "wag": true, "huwag": true, "tidak": true, "tak": true,
	"nggak": true, "gak": true, "ga": true, "bukan": true, "belum": true, "jangan": true,
	"degil": true, "khong": true, "chang": true, "ko": true,
	// hi, ur, pa, gu, bn (and romanised)
	"nahi": true, "nahin": true, "nai": true, "mat": true, "नहीं": true, "मत": true,
	"نہیں": true, "مت": true, "ਨਹੀਂ": true, "નહીં": true, "না": true, "নয়": true,
	// ar, fa, he, el, hy, sw, so, ko
	"لا": true, "لن": true, "لم": true, "نه": true, "לא": true, "אל": true,
	"δεν": true, "μην": true, "οχι": true, "den": true, "min": true,
	"ոչ": true, "hapana": true, "maya": true, "안": true, "못": true,
}

// negScope is how many tokens after a negation word are marked.
const negScope = 3

// featureText prepares text for feature extraction: safe, NFKC, lower
// case, accents folded, apostrophes dropped inside words ("don't" →
// "dont"), variation selectors removed, question marks unified (¿ ؟ and
// Greek ;), white space collapsed. Inner
// punctuation is kept: it ends negation scopes and "?" is a feature.
func featureText(text string) string {
	s := strings.ToLower(norm.NFKC.String(clean(text)))
	greek := strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Greek, r) }) >= 0
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '’' || r == '`' || r == 'ʼ':
			return -1
		case r >= 0xFE00 && r <= 0xFE0F, r >= 0x1F3FB && r <= 0x1F3FF:
			return -1 // variation selectors, skin tones
		case r == '¿' || r == '؟' || r == '；':
			return '?'
		case r == ';' && greek:
			return '?' // the Greek question mark (U+037E) is ';' after NFKC
		}
		return r
	}, s)
	return collapseSpaces(Fold(s))
}

// tokenKind classifies one rune for tokenising.
func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

func emojiRune(r rune) bool {
	return unicode.Is(unicode.So, r) || (r >= 0x1F000 && r <= 0x1FAFF)
}

// extractor turns texts into hashed features. It is stateless apart from
// the table size.
type extractor struct {
	bits uint
}

func (x extractor) hash(prefix, s string) uint32 {
	v := fnv64(prefix, s)
	return uint32((v ^ v>>32) & (1<<x.bits - 1))
}

// fnv64 is FNV-1a over prefix then s, without allocating.
func fnv64(prefix, s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(prefix); i++ {
		h ^= uint64(prefix[i])
		h *= prime
	}
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// features returns the hashed, L2-normalised features of text, sorted by
// index with duplicates summed.
func (x extractor) features(text string) []feature {
	s := featureText(text)
	var keys []uint32
	add := func(prefix, v string) { keys = append(keys, x.hash(prefix, v)) }

	var tokens []string
	var offs []int
	neg := 0 // tokens of the current clause still in a negation scope
	prev := "<s>"
	flush := func(tok string) {
		if tok == "" {
			return
		}
		tokens = append(tokens, tok)
		if neg > 0 {
			add("w:NEG_", tok)
			neg--
		} else {
			add("w:", tok)
		}
		add("b:", prev+" "+tok)
		prev = tok
		if negations[tok] {
			neg = negScope
		}
		// Character n-grams 1..4 with word-boundary markers.
		w := "<" + tok + ">"
		offs = offs[:0]
		for i := range w {
			offs = append(offs, i)
		}
		offs = append(offs, len(w))
		nr := len(offs) - 1
		for n := 1; n <= 4; n++ {
			for i := 0; i+n <= nr; i++ {
				if n == 1 && (i == 0 || i == nr-1) {
					continue
				}
				add("c:", w[offs[i]:offs[i+n]])
			}
		}
	}
	var cur strings.Builder
	emoji := false
	for _, r := range s {
		switch {
		case wordRune(r):
			cur.WriteRune(r)
			continue
		case emojiRune(r):
			flush(cur.String())
			cur.Reset()
			add("e:", string(r))
			emoji = true
			continue
		}
		flush(cur.String())
		cur.Reset()
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			neg = 0
			switch r {
			case '?', '!', ';':
				add("p:", string(r))
			}
		}
	}
	flush(cur.String())
	add("b:", prev+" </s>")
	if emoji {
		add("f:", "EMOJI")
	}
	if len(tokens) == 0 {
		add("f:", "NOWORDS")
	}
	add("f:", lengthBucket(len(tokens)))

	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	out := make([]feature, 0, len(keys))
	for _, k := range keys {
		if n := len(out); n > 0 && out[n-1].idx == k {
			out[n-1].val++
			continue
		}
		out = append(out, feature{idx: k, val: 1})
	}
	var ss float64
	for _, f := range out {
		ss += float64(f.val) * float64(f.val)
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range out {
		out[i].val *= inv
	}
	return out
}

func lengthBucket(n int) string {
	switch {
	case n <= 1:
		return "len1"
	case n == 2:
		return "len2"
	case n <= 5:
		return "len3-5"
	case n <= 10:
		return "len6-10"
	}
	return "len11+"
}
