package intents

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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
	"δεν": true, "μην": true, "οχι": true, "den": true, "min": true, "mhn": true, "dn": true,
	// Levantine, Egyptian and Gulf Arabic, in Arabic letters and Arabizi
	"مش": true, "مو": true, "ما": true, "msh": true, "mesh": true, "mish": true, "mush": true,
	"ոչ": true, "hapana": true, "maya": true, "안": true, "못": true,
}

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

// featureConfig chooses the feature families of an extractor. The
// defaults (defaultFeatures) were chosen by k-fold cross-validation on
// corpus/train (see cv_test.go), never on corpus/dev.
type featureConfig struct {
	charMin, charMax int     // in-word character n-grams, words padded with < >
	negScope         int     // tokens after a negation word marked NEG_ (clause-bound)
	squeeze          bool    // runs of 3+ equal letters become one ("yesss" → "yes")
	splitUnspaced    bool    // Han, kana and Thai letters are one token each for word features
	shapes           bool    // digit shapes ("3pm" → 0pm), emoji groups, question-final
	langConj         bool    // word uni- and bigrams conjoined with the text's language
	langConjChars    bool    // character n-grams conjoined with the language too
	wordWeight       float32 // value of a word or bigram feature (a character n-gram's is 1)
}

// defaultFeatures is the configuration Train uses.
var defaultFeatures = featureConfig{charMin: 1, charMax: 4, negScope: 3, shapes: true, wordWeight: 2}

// extractor turns texts into hashed features. It is stateless apart from
// the table size and the feature configuration.
type extractor struct {
	bits uint
	cfg  featureConfig
}

// hash maps prefix+s into the feature table.
func (x extractor) hash(prefix, s string) uint32 {
	return x.fold(fnv64(prefix, s))
}

func (x extractor) fold(v uint64) uint32 {
	return uint32((v ^ v>>32) & (1<<x.bits - 1))
}

// fnv64 is FNV-1a over prefix then s, without allocating.
func fnv64(prefix, s string) uint64 {
	return fnvAdd(fnvAdd(fnvOffset, prefix), s)
}

const fnvOffset uint64 = 14695981039346656037

// fnvAdd continues an FNV-1a hash h over s.
func fnvAdd(h uint64, s string) uint64 {
	const prime = 1099511628211
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// unspacedRune reports whether r belongs to a script written without
// spaces between words (Han, kana, Thai).
func unspacedRune(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai)
}

// emojiGroup names the meaning group of common reply emoji, or "".
func emojiGroup(r rune) string {
	switch r {
	case '👍', '👌', '✅', '✔', '☑', '🆗', '💯':
		return "yes"
	case '👎', '❌', '✖', '🚫', '⛔':
		return "no"
	case '😊', '🙂', '😀', '😃', '😄', '😁', '☺', '😍', '🥰', '❤', '💕', '💖', '🌹', '🌸', '🌻', '💐', '🎉', '🥳', '🎂':
		return "warm"
	case '😂', '🤣', '😅', '😆', '😜', '😎', '🐶', '🐱', '👀':
		return "fun"
	case '🙏', '🙇':
		return "please"
	case '😢', '😭', '😞', '😔', '🤒', '🤧', '😷':
		return "sad"
	case '🤔', '❓', '❔':
		return "ask"
	}
	return ""
}

// featureSink collects the hashed features of one text.
type featureSink struct {
	x    extractor
	lang string // conjoined language, "" for none
	fs   []feature
}

func (s *featureSink) add(prefix, v string) {
	s.fs = append(s.fs, feature{s.x.hash(prefix, v), 1})
}

func (s *featureSink) addHash(h uint64, val float32) {
	s.fs = append(s.fs, feature{s.x.fold(h), val})
}

// addConj adds the feature and, when a language is set and conj, its
// language-conjoined twin.
func (s *featureSink) addConj(prefix, v string, conj bool, val float32) {
	h := fnvAdd(fnvOffset, prefix)
	s.addHash(fnvAdd(h, v), val)
	if conj && s.lang != "" {
		s.addHash(fnvAdd(fnvAdd(fnvAdd(h, s.lang), "|"), v), val)
	}
}

// features returns the hashed, L2-normalised features of text, sorted by
// index with duplicates summed. lang is the text's language (detected or
// known), used only by language-conjoined features; "" leaves them out.
func (x extractor) features(text, lang string) []feature {
	cfg := x.cfg
	s := featureText(text)
	if cfg.squeeze {
		s = squeezeRepeats(s)
	}
	sink := featureSink{x: x, fs: make([]feature, 0, 8*len(s)+16)}
	ww := cfg.wordWeight
	if cfg.langConj {
		sink.lang = lang
	}
	add := sink.add

	nTokens := 0
	neg := 0 // tokens of the current clause still in a negation scope
	prev := "<s>"
	var wbuf []byte
	var offs []int
	word := func(tok string) {
		nTokens++
		if neg > 0 {
			sink.addConj("w:NEG_", tok, true, ww)
			neg--
		} else {
			sink.addConj("w:", tok, true, ww)
		}
		h := fnvAdd(fnvAdd(fnvAdd(fnvOffset, "b:"), prev), " ")
		sink.addHash(fnvAdd(h, tok), ww)
		if sink.lang != "" {
			sink.addHash(fnvAdd(fnvAdd(fnvAdd(h, tok), "|"), sink.lang), ww)
		}
		prev = tok
		if negations[tok] {
			neg = cfg.negScope
		}
	}
	chars := func(tok string) {
		// Character n-grams with word-boundary markers.
		wbuf = append(append(append(wbuf[:0], '<'), tok...), '>')
		w := string(wbuf)
		offs = offs[:0]
		for i := range w {
			offs = append(offs, i)
		}
		offs = append(offs, len(w))
		nr := len(offs) - 1
		for n := cfg.charMin; n <= cfg.charMax; n++ {
			for i := 0; i+n <= nr; i++ {
				if n == 1 && (i == 0 || i == nr-1) {
					continue
				}
				sink.addConj("c:", w[offs[i]:offs[i+n]], cfg.langConjChars, 1)
			}
		}
	}
	flush := func(tok string) {
		if tok == "" {
			return
		}
		if cfg.shapes {
			if sh, ok := digitShape(tok); ok {
				add("d:", sh)
			}
		}
		if cfg.splitUnspaced && strings.IndexFunc(tok, unspacedRune) >= 0 {
			// One word feature per letter of an unspaced script, runs of
			// other letters (digits, Latin) as words of their own.
			start := -1
			for i, r := range tok {
				if unspacedRune(r) {
					if start >= 0 {
						word(tok[start:i])
						start = -1
					}
					word(tok[i : i+utf8.RuneLen(r)])
					continue
				}
				if start < 0 {
					start = i
				}
			}
			if start >= 0 {
				word(tok[start:])
			}
		} else {
			word(tok)
		}
		chars(tok)
	}
	var cur strings.Builder
	emoji := false
	last := rune(0) // last non-space rune
	for _, r := range s {
		if !unicode.IsSpace(r) {
			last = r
		}
		switch {
		case wordRune(r):
			cur.WriteRune(r)
			continue
		case emojiRune(r):
			flush(cur.String())
			cur.Reset()
			add("e:", string(r))
			if cfg.shapes {
				if g := emojiGroup(r); g != "" {
					add("eg:", g)
				}
			}
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
	if nTokens == 0 {
		add("f:", "NOWORDS")
	}
	if cfg.shapes && last == '?' {
		add("f:", "ENDQ")
	}
	add("f:", lengthBucket(nTokens))
	return normalizeFeatures(sink.fs)
}

// normalizeFeatures sorts features by index, sums duplicates and scales
// the vector to unit length, in place.
func normalizeFeatures(fs []feature) []feature {
	slices.SortFunc(fs, func(a, b feature) int { return cmp.Compare(a.idx, b.idx) })
	out := fs[:0]
	for _, f := range fs {
		if n := len(out); n > 0 && out[n-1].idx == f.idx {
			out[n-1].val += f.val
			continue
		}
		out = append(out, f)
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

// digitShape maps a token with digits to its shape: every run of digits
// becomes one 0 ("10:30" is two tokens "0", "0"; "3pm" → "0pm").
func digitShape(tok string) (string, bool) {
	if strings.IndexFunc(tok, unicode.IsDigit) < 0 {
		return "", false
	}
	var b strings.Builder
	inDigits := false
	for _, r := range tok {
		if unicode.IsDigit(r) {
			if !inDigits {
				b.WriteByte('0')
			}
			inDigits = true
			continue
		}
		inDigits = false
		b.WriteRune(r)
	}
	return b.String(), true
}

// squeezeRepeats collapses every run of three or more equal letters to
// one: "yesss" → "yes", "okkkk" → "ok", "sooo" → "so".
func squeezeRepeats(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		if j-i >= 3 && unicode.IsLetter(rs[i]) {
			b.WriteRune(rs[i])
		} else {
			for _, r := range rs[i:j] {
				b.WriteRune(r)
			}
		}
		i = j
	}
	return b.String()
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
