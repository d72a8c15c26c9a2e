package intents

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"
	"golang.org/x/text/unicode/norm"
)

// Placeholders that replace protected health information (SPEC §9).
const (
	PlaceholderName    = "[NAME]"
	PlaceholderPhone   = "[PHONE]"
	PlaceholderEmail   = "[EMAIL]"
	PlaceholderDOB     = "[DOB]"
	PlaceholderAddress = "[ADDRESS]"
	PlaceholderID      = "[ID]"
)

// Redactor replaces names, phone numbers, emails, dates of birth, street
// addresses and record numbers in a patient's text with placeholders, so
// the text can leave the service (to an LLM). It keeps what the reply
// means: weekdays, times, short dates without a year ("12/5"), reply codes
// and numbers under five digits survive.
//
// English person names are found by prose's named-entity model, which is
// loaded on the first English-looking text (about 0.7 s, once per
// Redactor); everything else is patterns and the patient's known names.
// A Redactor is safe for concurrent use.
type Redactor struct {
	once  sync.Once
	model *prose.Model // nil when the model failed to load
	now   func() time.Time
}

// NewRedactor returns a Redactor. It is cheap: the name model loads lazily.
func NewRedactor() *Redactor {
	return &Redactor{now: time.Now}
}

// defaultRedactor serves Redact. Its only state is the lazily loaded,
// read-only prose model, so one per process is what SPEC §9 needs and
// what keeps the 0.7 s load from repeating.
var defaultRedactor = NewRedactor()

// Redact is NewRedactor().Redact with one Redactor shared by the process.
func Redact(text string, names []string) string {
	return defaultRedactor.Redact(text, names)
}

// Redact returns text with PHI replaced by placeholders. names are the
// patient's known names ("Ana María López"): every part of two letters or
// more is redacted wherever it appears, in any case, as a whole word
// (inside words for Chinese, Japanese, Korean and Thai, which are written
// without spaces between words). Any input is safe: invalid UTF-8 becomes
// U+FFFD and bodies beyond MaxLen runes are cut.
func (r *Redactor) Redact(text string, names []string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	if utf8.RuneCountInString(text) > MaxLen {
		text = string([]rune(text)[:MaxLen])
	}
	year := r.now().Year()
	s := text
	if strings.ContainsRune(s, '@') {
		s = rePHIEmail.ReplaceAllString(s, PlaceholderEmail)
	}
	s = phiLabelledDOB(s) // a spelled-out date needs no digit
	if strings.IndexFunc(s, unicode.IsDigit) >= 0 {
		// Everything else but unit letters ("apt B") carries a digit.
		s = phiLabelledIDs(s)
		s = phiReplaceBounded(s, rePHISSN, phiDigitBound, PlaceholderID)
		s = phiFullDates(s, year)
		s = phiAddresses(s)
		s = phiAlnumIDs(s)
		s = phiPhones(s)
		s = phiReplaceBounded(s, rePHIFiveDigits, phiDigitBound, PlaceholderAddress)
		s = phiReplaceBounded(s, rePHISixDigits, phiDigitBound, PlaceholderID)
		s = rePHILongDigits.ReplaceAllString(s, PlaceholderPhone)
	} else {
		s = phiReplace(s, rePHIAddrUnit, func(s string, m []int) (string, bool) {
			return PlaceholderAddress, phiWordBound(s, m[0], m[1])
		})
	}
	s = phiKnownNames(s, names)
	s = phiIntroductions(s)
	s = r.redactPersons(s)
	return s
}

// ---- matching helpers ----

func phiWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

// phiBoundFunc reports whether s[i:j] stands alone at its edges.
type phiBoundFunc func(s string, i, j int) bool

// phiWordBound: no letter, digit or mark touches the match.
func phiWordBound(s string, i, j int) bool { return phiLeftFree(s, i) && phiRightFree(s, j) }

func phiLeftFree(s string, i int) bool {
	if i <= 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !phiWordRune(r)
}

func phiRightFree(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return !phiWordRune(r)
}

// phiSoftBound is phiWordBound except where the match or its neighbour is in a
// script written without spaces: there a label may touch other words.
func phiSoftBound(s string, i, j int) bool {
	if i < j {
		first, _ := utf8.DecodeRuneInString(s[i:])
		last, _ := utf8.DecodeLastRuneInString(s[:j])
		if !phiUnspaced(first) && !phiLeftFree(s, i) {
			if r, _ := utf8.DecodeLastRuneInString(s[:i]); !phiUnspaced(r) {
				return false
			}
		}
		if !phiUnspaced(last) && !phiRightFree(s, j) {
			if r, _ := utf8.DecodeRuneInString(s[j:]); !phiUnspaced(r) {
				return false
			}
		}
	}
	return true
}

// phiDigitBound: no digit touches the match (letters may: "tel5551234").
func phiDigitBound(s string, i, j int) bool {
	if i > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:i]); unicode.IsDigit(r) {
			return false
		}
	}
	if j < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[j:]); unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// phiReplace replaces each match m of re (submatch indexes) for which
// f returns ok with f's replacement of s[m[0]:m[1]].
func phiReplace(s string, re *regexp.Regexp, f func(s string, m []int) (string, bool)) string {
	return phiReplaceExt(s, re, func(s string, m []int) (string, int, bool) {
		rep, ok := f(s, m)
		return rep, m[1], ok
	})
}

// phiReplaceExt is phiReplace where f also says where the replaced span
// ends (at or after the match: a label's value follows it).
func phiReplaceExt(s string, re *regexp.Regexp, f func(s string, m []int) (rep string, end int, ok bool)) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if m[0] < last {
			continue
		}
		rep, end, ok := f(s, m)
		if !ok {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(rep)
		last = max(end, m[1])
	}
	b.WriteString(s[last:])
	return b.String()
}

func phiReplaceBounded(s string, re *regexp.Regexp, bound phiBoundFunc, placeholder string) string {
	return phiReplace(s, re, func(s string, m []int) (string, bool) {
		return placeholder, bound(s, m[0], m[1])
	})
}

// phiReplaceGroup replaces group g of each match with placeholder, keeping the
// rest (a label such as "MRN" stays: it tells the model what was there).
func phiReplaceGroup(s string, m []int, g int, placeholder string) string {
	return s[m[0]:m[2*g]] + placeholder + s[m[2*g+1]:m[1]]
}

func phiCountDigits(s string) (digits, letters int) {
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters++
		}
	}
	return
}

// phiAtoi reads a run of decimal digits of any script.
func phiAtoi(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsDigit(r) {
			continue
		}
		n = n*10 + phiDigitValue(r)
	}
	return n
}

// phiDigitValue is the value of a decimal digit of any script: Unicode puts
// every script's ten digits in one contiguous block starting at zero.
func phiDigitValue(r rune) int {
	for z := r; z >= r-9; z-- {
		if !unicode.IsDigit(z) {
			return int(r - z - 1)
		}
	}
	return int(r-'0') % 10
}

// ---- emails, ids ----

var (
	rePHIEmail = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)
	rePHISSN   = regexp.MustCompile(`\p{Nd}{3}-\p{Nd}{2}-\p{Nd}{4}`)

	rePHILabelledID = regexp.MustCompile(`(?i)(` +
		`mrn|m\.r\.n\.?|medical\s+record(?:\s+(?:number|no\.?|#))?|record\s*(?:number|no\.?|#)?|chart\s*(?:number|no\.?|#)|` +
		`patient\s*(?:id|number|no\.?|#)|insurance(?:\s+(?:id|number|no\.?|#|card))?|member(?:ship)?\s*(?:id|number|no\.?|#)|` +
		`policy(?:\s*(?:id|number|no\.?|#))?|group\s*(?:number|no\.?|#)|subscriber\s+id|medicaid(?:\s+id)?|medicare(?:\s+id)?|` +
		`ssn|social\s+security(?:\s+number)?|id\s*(?:number|no\.?|#)?|` +
		`n[úu]mero\s+de\s+(?:expediente|historia|paciente|seguro|p[óo]liza|afiliaci[óo]n|afiliado|seguridad\s+social)|expediente|historia\s+cl[íi]nica|p[óo]liza|nss|curp|dni|nie|` +
		`num[ée]ro\s+(?:de\s+)?(?:dossier|s[ée]curit[ée]\s+sociale|patient|s[ée]cu)|` +
		`versichertennummer|versicherungsnummer|patientennummer|krankenkassennummer|` +
		`n[úu]mero\s+do\s+(?:prontu[áa]rio|paciente|cart[ãa]o)|prontu[áa]rio|cpf|cart[ãa]o\s+sus|` +
		`codice\s+fiscale|tessera\s+sanitaria|pesel|numer\s+(?:pacjenta|ubezpieczenia)|` +
		`полис(?:а)?|снилс|номер\s+(?:полиса|карты|пациента)|` +
		`病历号|病歷號|病案号|医保卡号|保险号|身份证号?|診察券番号|保険証番号|환자\s*번호|보험\s*번호|주민등록번호|` +
		`mã\s+(?:bệnh\s+nhân|bảo\s+hiểm)|số\s+(?:bảo\s+hiểm|hồ\s+sơ)|` +
		`رقم\s+(?:الملف|المريض|التأمين|الهوية)|شماره\s+(?:پرونده|بیمه|ملی)|מספר\s+(?:תיק|זהות|ביטוח)|` +
		`tc\s+kimlik(?:\s+no)?|hasta\s+(?:no|numarası)|sigorta\s+no|nomor\s+(?:rekam\s+medis|pasien|asuransi|bpjs)|bpjs|namba\s+ya\s+(?:mgonjwa|bima)` +
		`)(?:\s*(?:is|es|est|ist|é|è|:|#|=|-|是|为|は|은|는))*\s*` +
		`([\p{L}\p{N}][\p{L}\p{N}/\-]*(?:\s\p{N}{3,}[\p{N}\-]*)*)`)

	// rePHIToken is a run of letters, digits and hyphens: candidates for ids.
	rePHIToken    = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}\-]*`)
	rePHITimeLike = regexp.MustCompile(`(?i)^\p{Nd}{1,4}(?:am|pm|a|p|h|hs|hrs|uhr|h\p{Nd}{2}|st|nd|rd|th|er|e|ème)$`)
)

func phiLabelledIDs(s string) string {
	return phiReplace(s, rePHILabelledID, func(s string, m []int) (string, bool) {
		if !phiSoftBound(s, m[2], m[3]) {
			return "", false
		}
		v := s[m[4]:m[5]]
		d, _ := phiCountDigits(v)
		if d == 0 || utf8.RuneCountInString(v) < 3 || !phiRightFree(s, m[5]) {
			return "", false
		}
		return phiReplaceGroup(s, m, 2, PlaceholderID), true
	})
}

// phiAlnumIDs replaces tokens of six or more characters that mix
// letters and at least three digits ("A1234567", "XK-99812"), unless they
// read as a time or an ordinal ("1030am").
func phiAlnumIDs(s string) string {
	return phiReplace(s, rePHIToken, func(s string, m []int) (string, bool) {
		tok := s[m[0]:m[1]]
		if utf8.RuneCountInString(tok) < 6 {
			return "", false
		}
		d, l := phiCountDigits(tok)
		if d < 3 || l == 0 || phiTimeLike(tok) {
			return "", false
		}
		return PlaceholderID, true
	})
}

// phiTimeLike reports whether every hyphenated part of tok reads as a time,
// an ordinal or a short number ("10am-11am", "3pm").
func phiTimeLike(tok string) bool {
	for _, p := range strings.Split(tok, "-") {
		if d, l := phiCountDigits(p); !(l == 0 && d <= 2) && !rePHITimeLike.MatchString(p) {
			return false
		}
	}
	return true
}

// ---- dates of birth ----

// phiDOBFiller is what may sit between a DOB label and the date.
const phiDOBFiller = `(?:\s*(?:is|was|es|est|ist|é|è|era|on|el|le|am|em|il|:|-|=|是|为|は|은|는))*\s*`

const phiMonths = `january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|` +
	`enero|febrero|marzo|abril|mayo|junio|julio|agosto|se?ptiembre|octubre|noviembre|diciembre|ene|` +
	`janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre|janv|f[ée]vr|` +
	`januar|j[äa]nner|februar|m[äa]rz|maerz|juni|juli|oktober|dezember|` +
	`janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|novembro|dezembro|` +
	`gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|` +
	`stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|wrze[śs]nia|pa[źz]dziernika|listopada|grudnia|` +
	`января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|` +
	`січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня|` +
	`ocak|[şs]ubat|mart|nisan|may[ıi]s|haziran|temmuz|a[ğg]ustos|eyl[üu]l|ekim|kas[ıi]m|aral[ıi]k|` +
	`januari|februari|maret|mei|agustus|desember|machi|aprili|julai|agosti|septemba|oktoba|novemba|desemba|` +
	`pebrero|marso|hunyo|hulyo|setyembre|oktubre|nobyembre|disyembre|` +
	`ιανουαρίου|φεβρουαρίου|μαρτίου|απριλίου|μαΐου|μαίου|ιουνίου|ιουλίου|αυγούστου|σεπτεμβρίου|οκτωβρίου|νοεμβρίου|δεκεμβρίου`

var (
	rePHIDateDMYName = regexp.MustCompile(`(?i)\p{Nd}{1,2}(?:st|nd|rd|th|er|º|ª|\.)?\s*(?:of\s+|de\s+|di\s+)?(?:` + phiMonths + `)\.?,?\s*(?:de\s+|del\s+|of\s+)?(\p{Nd}{4}|'\p{Nd}{2})`)
	rePHIDateMDYName = regexp.MustCompile(`(?i)(?:` + phiMonths + `)\.?\s+\p{Nd}{1,2}(?:st|nd|rd|th)?,?\s+(\p{Nd}{4}|'\p{Nd}{2})`)
	rePHIDateNumeric = regexp.MustCompile(`\p{Nd}{1,2}[/.\-]\p{Nd}{1,2}[/.\-](\p{Nd}{4}|\p{Nd}{2})`)
	rePHIDateISO     = regexp.MustCompile(`(\p{Nd}{4})[/.\-]\p{Nd}{1,2}[/.\-]\p{Nd}{1,2}`)
	rePHIDateCJK     = regexp.MustCompile(`(\p{Nd}{4})\s*[年년]\s*\p{Nd}{1,2}\s*[月월]\s*\p{Nd}{1,2}\s*[日号號일]?`)
	rePHIDateVI      = regexp.MustCompile(`(?i)(?:ngày\s*)?\p{Nd}{1,2}\s*tháng\s*\p{Nd}{1,2}\s*(?:năm\s*)?(\p{Nd}{4})`)

	// rePHIDOBStrong finds words that announce a date of birth; whatever
	// follows them is redacted (a date shape, else up to four words).
	rePHIDOBStrong = regexp.MustCompile(`(?i)(` +
		`d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|` +
		`fecha\s+de\s+nacimiento|f\.\s*nac\.?|date\s+de\s+naissance|geburtsdatum|geb\.|` +
		`data\s+de\s+nascimento|data\s+di\s+nascita|data\s+urodzenia|дата\s+рождения|дата\s+народження|` +
		`ngày\s+sinh|생년월일|生年月日|出生日期|` +
		`تاريخ\s+(?:الميلاد|ميلادي)|تاریخ\s+تولد|تاریخ\s+پیدائش|תאריך\s+(?:לידה|הלידה)|` +
		`doğum\s+tarihi|tanggal\s+lahir|tgl\s+lahir|tarehe\s+ya\s+kuzaliwa|` +
		`जन्म\s*तिथि|जन्मतिथि|janam\s+tithi|ημερομηνία\s+γέννησης|` +
		`petsa\s+ng\s+kapanganakan|taariikhda\s+dhalashada|ծննդյան\s+ամսաթիվ|জন্ম\s*তারিখ|જન્મ\s*તારીખ|ਜਨਮ\s*ਮਿਤੀ` +
		`)` + phiDOBFiller)
	// rePHIDOBWeak finds words that may announce a date of birth (birthday,
	// born): only a date shape right after them is redacted.
	rePHIDOBWeak = regexp.MustCompile(`(?i)(` +
		`birthday|born(?:\s+(?:on|in))?|naci(?:do|da)?\s+(?:el|en)|cumplea[ñn]os|n[ée]e?\s+le|anniversaire|geboren(?:\s+am)?|geburtstag|` +
		`nascid[oa]\s+em|anivers[áa]rio|nat[oa]\s+il|compleanno|urodzi(?:łem|łam|ł|ła)|urodzon[ya]|родил(?:ся|ась)|день\s+рождения|` +
		`sinh\s+ngày|sinh\s+năm|생일|生日|出生于|出生於|誕生日|مواليد|متولد|נולדתי|doğum\s+günü|lahir|nilizaliwa|` +
		`जन्म\s*दिन|γεννήθηκα|วันเกิด|ọjọ́?\s+ìbí|ojo\s+ibi|kaarawan|ipinanganak` +
		`)` + phiDOBFiller)

	// Shapes a date takes right after a DOB label (no year needed).
	rePHIDOBValue = []*regexp.Regexp{
		regexp.MustCompile(`^(?:` + rePHIDateCJK.String() + `)`),
		regexp.MustCompile(`^(?:` + rePHIDateVI.String() + `)`),
		regexp.MustCompile(`^(?:` + rePHIDateDMYName.String() + `)`),
		regexp.MustCompile(`^(?:` + rePHIDateMDYName.String() + `)`),
		regexp.MustCompile(`^\p{Nd}{1,4}(?:[/.\-]\p{Nd}{1,4}){0,2}`),
		regexp.MustCompile(`^(?i)\p{Nd}{1,2}(?:st|nd|rd|th|er|\.)?\s*(?:of\s+|de\s+|di\s+)?(?:` + phiMonths + `)`),
		regexp.MustCompile(`^(?i)(?:` + phiMonths + `)\.?\s+\p{Nd}{1,2}(?:st|nd|rd|th)?`),
	}
	// rePHIClause is the rest of a clause: what follows a strong DOB label
	// that reads as no date shape (spelled-out dates).
	rePHIClause = regexp.MustCompile(`^[^,;.!?\n。，！？、]*`)
)

func phiLabelledDOB(s string) string {
	for _, re := range []*regexp.Regexp{rePHIDOBStrong, rePHIDOBWeak} {
		strong := re == rePHIDOBStrong
		s = phiReplaceExt(s, re, func(s string, m []int) (string, int, bool) {
			if !phiSoftBound(s, m[2], m[3]) {
				return "", 0, false
			}
			rest := s[m[1]:]
			n := 0
			for _, v := range rePHIDOBValue {
				if loc := v.FindStringIndex(rest); loc != nil && phiRightFree(rest, loc[1]) {
					n = loc[1]
					break
				}
			}
			if n == 0 && strong {
				n = phiClauseWords(rest, 4)
			}
			if n == 0 {
				return "", 0, false
			}
			return s[m[0]:m[1]] + PlaceholderDOB, m[1] + n, true
		})
	}
	return s
}

// phiClauseWords is the byte length of the first max words of rest, not
// crossing a clause break.
func phiClauseWords(rest string, max int) int {
	c := rePHIClause.FindString(rest)
	end, words, in := 0, 0, false
	for i, r := range c {
		if unicode.IsSpace(r) {
			if in {
				words++
				if words == max {
					break
				}
			}
			in = false
			continue
		}
		in = true
		end = i + utf8.RuneLen(r)
	}
	return end
}

// phiFullDates replaces dates that carry a year from before last year:
// a date of birth, not the appointment the patient asks for ("12/5/2026").
func phiFullDates(s string, thisYear int) string {
	for _, re := range []*regexp.Regexp{rePHIDateCJK, rePHIDateVI, rePHIDateDMYName, rePHIDateMDYName, rePHIDateISO, rePHIDateNumeric} {
		numeric := re == rePHIDateISO || re == rePHIDateNumeric
		s = phiReplace(s, re, func(s string, m []int) (string, bool) {
			if !phiWordBound(s, m[0], m[1]) || numeric && !phiNumericDate(s, m[0], m[1]) {
				return "", false
			}
			y := s[m[2]:m[3]]
			year := phiAtoi(y)
			if d, _ := phiCountDigits(y); d == 2 {
				if year <= thisYear%100+1 {
					year += thisYear / 100 * 100
				} else {
					year += (thisYear/100 - 1) * 100
				}
			}
			if year >= thisYear-1 {
				return "", false
			}
			return PlaceholderDOB, true
		})
	}
	return s
}

// phiNumericDate checks a numeric date match: one separator throughout, a
// day and a month that can be one, and no further number glued on
// ("10.30-11.45" is a time range).
func phiNumericDate(s string, i, j int) bool {
	d := s[i:j]
	seps := strings.FieldsFunc(d, unicode.IsDigit)
	if len(seps) != 2 || seps[0] != seps[1] {
		return false
	}
	if j+1 < len(s) && strings.ContainsRune("/.-", rune(s[j])) {
		if r, _ := utf8.DecodeRuneInString(s[j+1:]); unicode.IsDigit(r) {
			return false
		}
	}
	parts := strings.Split(d, seps[0])
	a, b := phiAtoi(parts[0]), phiAtoi(parts[1])
	if utf8.RuneCountInString(parts[0]) == 4 { // ISO: year first
		a, b = b, phiAtoi(parts[2])
	}
	day, month := max(a, b), min(a, b)
	return month >= 1 && month <= 12 && day >= 1 && day <= 31
}

// ---- addresses ----

const (
	phiStreetEN = `street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|terrace|ter|way|highway|hwy|parkway|pkwy|circle|cir|square|sq|crescent|cres|close|trail|trl|alley|plaza`
	// phiStreetTypes come before the name ("calle Mayor 5", "rue de la Paix").
	phiStreetTypes = `calle|c/|avenida|avda|av|paseo|pso|plaza|pza|carrera|cra|camino|carretera|ctra|colonia|` +
		`rue|avenue|boulevard|bd|chemin|all[ée]e|impasse|quai|cours|` +
		`via|viale|piazza|corso|largo|vicolo|` +
		`rua|travessa|pra[çc]a|estrada|alameda|rodovia|` +
		`ulica|ul|aleja|plac|osiedle|` +
		`улица|ул|проспект|просп|переулок|пер|вулиця|вул|` +
		`jalan|jl|sokak|sok|soka[ğg][ıi]|cadde|caddesi|mahalle|mahallesi|mah|bulvar[ıi]?|` +
		`đường|phố|ngõ|hẻm|street|road`
)

var (
	rePHIAddrNumFirstEN  = regexp.MustCompile(`(?i)(\p{Nd}{1,6}[a-z]?)\s+((?:[\p{L}'’.\-]+\s+){1,3}?)(?:` + phiStreetEN + `)\.?`)
	rePHIAddrNumFirstAny = regexp.MustCompile(`(?i)(\p{Nd}{1,6}[a-z]?),?\s+(?:` + phiStreetTypes + `)\.?\s+((?:[\p{L}\p{N}'’.\-]+)(?:\s+[\p{L}\p{N}'’.\-]+){0,3})`)
	rePHIAddrTypeFirst   = regexp.MustCompile(`(?i)(?:` + phiStreetTypes + `)\.?\s+((?:[\p{L}'’.\-]+,?\s+){0,4}?)(?:n[º°o]\.?\s*)?,?\s*(\p{Nd}{1,5}[a-z]?)`)
	rePHIAddrCompound    = regexp.MustCompile(`(?i)\p{L}{3,}(?:straße|strasse|str\.|gasse|allee|platz|weg|damm|ufer|straat|laan|plein|gracht)\s*\p{Nd}{1,4}[a-z]?`)
	rePHIAddrUnit        = regexp.MustCompile(`(?i)(?:apt|apartment|unit|suite|ste|flat|piso|depto|dpto|departamento|apto|apartamento|appartement|wohnung|whg|escalera|esc|puerta|pta|bloco|bloque|interno|scala|кв|квартира)\.?\s*(?:no\.?|n[º°o]\.?|#)?\s*(\p{N}[\p{L}\p{N}\-]*|\p{L}\p{N}*)`)
	rePHIZIP4            = regexp.MustCompile(`\p{Nd}{5}-\p{Nd}{4}|\p{Nd}{5}-\p{Nd}{3}|〒\s*\p{Nd}{3}-?\p{Nd}{4}`)
	rePHIStateZIP        = regexp.MustCompile(`[A-Z]{2},?\s+\p{Nd}{5}`)
	rePHIUKPostcode      = regexp.MustCompile(`[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}`)
	rePHICAPostcode      = regexp.MustCompile(`(?i)[a-z][0-9][a-z]\s?[0-9][a-z][0-9]`)
	rePHILabelledZIP     = regexp.MustCompile(`(?i)(zip(?:\s*code)?|post\s*code|postal\s+code|c\.p\.|c[óo]digo\s+postal|code\s+postal|plz|cep|kod\s+pocztowy|индекс|邮编|郵便番号|우편번호|posta\s+kodu|kode\s+pos)[\s:#.]*([\p{L}\p{N}][\p{L}\p{N}\-]{2,9})`)
	rePHIFiveDigits      = regexp.MustCompile(`\p{Nd}{5}`)
	rePHISixDigits       = regexp.MustCompile(`\p{Nd}{6}`)
)

func phiAddresses(s string) string {
	s = phiReplace(s, rePHIAddrNumFirstEN, func(s string, m []int) (string, bool) {
		if !phiWordBound(s, m[0], m[1]) || phiHasAddrStop(s[m[4]:m[5]]) {
			return "", false
		}
		return PlaceholderAddress, true
	})
	s = phiReplace(s, rePHIAddrNumFirstAny, func(s string, m []int) (string, bool) {
		if !phiLeftFree(s, m[0]) {
			return "", false
		}
		end := m[4] + phiStreetNameLen(s[m[4]:m[5]])
		if end == m[4] {
			return "", false
		}
		return PlaceholderAddress + s[end:m[1]], true
	})
	s = phiReplace(s, rePHIAddrTypeFirst, func(s string, m []int) (string, bool) {
		if !phiWordBound(s, m[0], m[1]) || phiHasAddrStop(s[m[2]:m[3]]) {
			return "", false
		}
		return PlaceholderAddress, true
	})
	s = phiReplaceBounded(s, rePHIAddrCompound, phiWordBound, PlaceholderAddress)
	s = phiReplace(s, rePHIAddrUnit, func(s string, m []int) (string, bool) {
		if !phiWordBound(s, m[0], m[1]) {
			return "", false
		}
		return PlaceholderAddress, true
	})
	s = phiReplaceBounded(s, rePHIZIP4, phiDigitBound, PlaceholderAddress)
	s = phiReplaceBounded(s, rePHIStateZIP, phiWordBound, PlaceholderAddress)
	s = phiReplace(s, rePHIUKPostcode, func(s string, m []int) (string, bool) {
		tail := s[m[1]-2 : m[1]]
		return PlaceholderAddress, phiWordBound(s, m[0], m[1]) && tail != "AM" && tail != "PM"
	})
	s = phiReplaceBounded(s, rePHICAPostcode, phiWordBound, PlaceholderAddress)
	s = phiReplace(s, rePHILabelledZIP, func(s string, m []int) (string, bool) {
		if d, _ := phiCountDigits(s[m[4]:m[5]]); d == 0 || !phiSoftBound(s, m[2], m[3]) {
			return "", false
		}
		return phiReplaceGroup(s, m, 2, PlaceholderAddress), true
	})
	return s
}

// phiStreetNameLen is how much of words (after a street type) is the street's
// name: up to the first word that is not part of a name.
func phiStreetNameLen(words string) int {
	end := 0
	for _, loc := range rePHIWord.FindAllStringIndex(words, -1) {
		if phiAddrStop(words[loc[0]:loc[1]]) {
			break
		}
		end = loc[1]
	}
	return end
}

var rePHIWord = regexp.MustCompile(`[\p{L}\p{M}\p{N}'’.\-]+`)

func phiHasAddrStop(words string) bool {
	for _, w := range rePHIWord.FindAllString(words, -1) {
		if phiAddrStop(w) {
			return true
		}
	}
	return false
}

// phiAddrStop: a common word that is not a particle of street names
// ("rue de la Paix", "Avenida de los Insurgentes").
func phiAddrStop(w string) bool {
	return phiStopWord(w) && !phiStreetParticles[strings.ToLower(w)]
}

var phiStreetParticles = phiSet(`de la le les del du des da do dos das di della delle von van the of el los las`)

// ---- phones ----

var (
	rePHIPhone      = regexp.MustCompile(`(?:\+\s?)?\(?\p{Nd}{1,15}\)?(?:[ \t.\-–]{1,2}\(?\p{Nd}{1,5}\)?){0,6}`)
	rePHIDigitGroup = regexp.MustCompile(`\p{Nd}+`)
	rePHILongDigits = regexp.MustCompile(`\+?\p{Nd}{7,}`)
	rePHITimeRange  = regexp.MustCompile(`^\p{Nd}{1,2}[.:]\p{Nd}{2}\s*[-–]\s*\p{Nd}{1,2}[.:]\p{Nd}{2}$`)
	rePHIDateExact  = regexp.MustCompile(`^(?:` + rePHIDateNumeric.String() + `|` + rePHIDateISO.String() + `)$`)
)

// phiPhones replaces numbers of seven or more digits written with
// spaces, dots, dashes or parentheses, in any digit script; time ranges
// and dates are left alone.
func phiPhones(s string) string {
	return phiReplace(s, rePHIPhone, func(s string, m []int) (string, bool) {
		if !phiDigitBound(s, m[0], m[1]) {
			return "", false
		}
		num := strings.TrimRight(s[m[0]:m[1]], " \t.-–")
		d, _ := phiCountDigits(num)
		if d < 7 || rePHITimeRange.MatchString(num) || rePHIDateExact.MatchString(num) {
			return "", false
		}
		if d < 9 {
			short := true
			for _, g := range rePHIDigitGroup.FindAllString(num, -1) {
				if utf8.RuneCountInString(g) > 2 {
					short = false
				}
			}
			if short {
				return "", false
			}
		}
		return PlaceholderPhone + s[m[0]+len(num):m[1]], true
	})
}

// ---- names ----

// phiUnspaced reports whether r belongs to a script written without spaces
// between words, where a name is found inside longer runs.
func phiUnspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan)
}

// phiInflected reports whether names in r's script change their endings
// (Анна, Анны, Анне), so a known name matches its stem.
func phiInflected(r rune) bool {
	return unicode.In(r, unicode.Cyrillic, unicode.Greek, unicode.Armenian)
}

// phiProclitic letters that attach to the next word in Arabic and Hebrew
// script ("and", "to", "with", "the").
func phiProclitic(r rune) bool {
	return strings.ContainsRune("وفبلكהובלמשכ", r)
}

// phiNameParts splits the known names into parts of two runes or more, the
// longest first, plus each name written without spaces (王 小明 → 王小明).
func phiNameParts(names []string) []string {
	seen := map[string]bool{}
	var parts []string
	add := func(p string) {
		k := strings.ToLower(p)
		if utf8.RuneCountInString(p) < 2 || seen[k] {
			return
		}
		seen[k] = true
		parts = append(parts, p)
	}
	for _, n := range names {
		fs := strings.FieldsFunc(n, func(r rune) bool {
			return !(unicode.IsLetter(r) || unicode.IsMark(r) || r == '\'' || r == '’')
		})
		for _, f := range fs {
			f = strings.Trim(f, "'’")
			add(f)
			add(phiStripMarks(f))
		}
		if len(fs) > 1 {
			if r, _ := utf8.DecodeRuneInString(fs[0]); phiUnspaced(r) {
				add(strings.Join(fs, ""))
			}
		}
	}
	sort.SliceStable(parts, func(i, j int) bool { return len(parts[i]) > len(parts[j]) })
	return parts
}

func phiKnownNames(s string, names []string) string {
	for _, p := range phiNameParts(names) {
		first, _ := utf8.DecodeRuneInString(p)
		var pat string
		switch {
		case phiStopWord(p):
			// A name that is also a common word ("Will", "May", "Joy")
			// matches only capitalised, so "I will be there" survives.
			pat = regexp.QuoteMeta(phiTitleCase(p))
		case phiInflected(first) && utf8.RuneCountInString(p) >= 4:
			rs := []rune(p)
			pat = `(?i)` + regexp.QuoteMeta(string(rs[:len(rs)-1])) + `\p{L}{0,3}`
		default:
			pat = `(?i)` + regexp.QuoteMeta(p)
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			continue
		}
		sub := phiUnspaced(first)
		s = phiReplace(s, re, func(s string, m []int) (string, bool) {
			i, j := m[0], m[1]
			if i > 0 && s[i-1] == '[' && j < len(s) && s[j] == ']' {
				return "", false // inside a placeholder
			}
			if sub {
				return PlaceholderName, true
			}
			j, _ = phiPossessiveEnd(s, j)
			if !phiLeftFree(s, i) {
				// A one-letter phiProclitic may stick to the name (وأحمد).
				r, n := utf8.DecodeLastRuneInString(s[:i])
				if !phiProclitic(r) || !phiLeftFree(s, i-n) {
					return "", false
				}
			}
			return PlaceholderName, phiRightFree(s, j)
		})
	}
	return s
}

func phiPossessiveEnd(s string, j int) (int, bool) {
	for _, suf := range []string{"'s", "’s"} {
		if strings.HasPrefix(s[j:], suf) {
			return j + len(suf), true
		}
	}
	return j, false
}

// phiStripMarks removes accents from a Latin-script word (López → Lopez):
// patients often type names without them. Other scripts are returned as
// they are (their vowel signs are marks too).
func phiStripMarks(w string) string {
	for _, r := range w {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return w
		}
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(w) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

func phiTitleCase(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	return string(unicode.ToTitle(r)) + strings.ToLower(w[n:])
}

// introduction phrases: what people write before their own name. Strong
// ones ("my name is") take the next word whatever its case; weak ones
// ("I am", "soy", "это") only a capitalised word that is not a common one.
var (
	rePHIIntroStrong = regexp.MustCompile(`(?i)(?:` +
		`my\s+name\s+is|my\s+name['’]s|name\s*:|me\s+llamo|mi\s+nombre\s+es|je\s+m['’]\s*appelle|mon\s+nom\s+est|` +
		`ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|meu\s+nome\s+é|(?:eu\s+)?me\s+chamo|mi\s+chiamo|il\s+mio\s+nome\s+è|` +
		`nazywam\s+się|mam\s+na\s+imię|benim\s+ad[ıi]m|ad[ıi]m|nama\s+saya|tôi\s+tên\s+là|tên\s+tôi\s+là|tôi\s+tên|` +
		`ako\s+si|(?:ang\s+)?pangalan\s+ko\s+ay|jina\s+langu\s+ni|naitwa|magacaygu\s+waa|magacaygu|or[úu]k[ọo]\s+mi\s+ni|` +
		`mera\s+naam|mera\s+nam|mujhe\s+kehte|меня\s+зовут|мо[её]\s+имя|мене\s+звати|моє\s+ім['’]я|` +
		`اسمي|انا\s+اسمي|اسم\s+من|اسمم|میرا\s+نام|שמי|קוראים\s+לי|השם\s+שלי|मेरा\s+नाम|আমার\s+নাম|મારું\s+નામ|મારુ\s+નામ|ਮੇਰਾ\s+ਨਾਮ|` +
		`με\s+λένε|ονομάζομαι|λέγομαι|το\s+όνομά\s+μου\s+είναι|իմ\s+անունը|անունս` +
		`)[\s:,]*`)
	rePHIIntroWeak = regexp.MustCompile(`(?i)(?:` +
		`i\s+am|i['’]m|this\s+is|it['’]s|soy|habla|je\s+suis|c['’]est|ici|ich\s+bin|hier\s+ist|hier\s+spricht|` +
		`sou|eu\s+sou|aqui\s+é|sono|qui\s+è|jestem|tu|это|я|ми|είμαι|εδώ|ես` +
		`)[\s:,]+`)
	// Chinese, Japanese, Korean, Thai: the name follows (or precedes) a
	// phrase with no space; take the script's run.
	rePHIIntroCJK = regexp.MustCompile(`(?:我叫|我的名字是|我的名字叫|我名叫|名字是|名前は)\s*(\p{Han}{2,3}|\p{Katakana}{2,8})|` +
		`(?:我姓)(\p{Han})|` +
		`(\p{Han}{1,4}|\p{Katakana}{2,8}|\p{Hiragana}{2,6})\s*(?:と申します|といいます|と言います)|` +
		`(?:제\s*이름은|내\s*이름은)\s*(\p{Hangul}{2,4}?)(?:입니다|이에요|예요|이고|라고|\s|$|[.,!?])|` +
		`(?:저는|나는)\s*(\p{Hangul}{2,4})(?:입니다|이에요|예요|라고\s*합니다)|` +
		`(?:ฉันชื่อ|ผมชื่อ|ดิฉันชื่อ|ชื่อ)\s*(\p{Thai}{2,12}?)(?:ครับ|ค่ะ|คะ|นะ|\s|$|[.,!?])`)
)

func phiIntroductions(s string) string {
	s = phiReplace(s, rePHIIntroCJK, func(s string, m []int) (string, bool) {
		for g := 1; 2*g+1 < len(m); g++ {
			if m[2*g] >= 0 {
				if strings.HasPrefix(s[m[2*g]:], "[") {
					return "", false
				}
				return phiReplaceGroup(s, m, g, PlaceholderName), true
			}
		}
		return "", false
	})
	s = phiIntro(s, rePHIIntroStrong, false)
	s = phiIntro(s, rePHIIntroWeak, true)
	return s
}

func phiIntro(s string, re *regexp.Regexp, weak bool) string {
	return phiReplaceExt(s, re, func(s string, m []int) (string, int, bool) {
		if !phiLeftFree(s, m[0]) {
			return "", 0, false
		}
		n := phiNameAfter(s[m[1]:], weak)
		if n == 0 {
			return "", 0, false
		}
		if strings.TrimSpace(s[m[1]:m[1]+n]) == PlaceholderName {
			return "", 0, false // nothing more than a known name
		}
		return s[m[0]:m[1]] + PlaceholderName, m[1] + n, true
	})
}

// phiNameAfter is the byte length of the name that starts rest: up to three
// words (one in scripts without case), none a common word. After a weak
// phrase the first word must be capitalised; later words must be
// capitalised too, unless the first was not ("my name is ana lopez").
func phiNameAfter(rest string, weak bool) int {
	end, pos, words := 0, 0, 0
	firstUpper := false
	for words < 3 {
		if strings.HasPrefix(rest[pos:], PlaceholderName) {
			// A known name already redacted: the rest of the name follows.
			words++
			end = pos + len(PlaceholderName)
			if end+1 >= len(rest) || rest[end] != ' ' {
				break
			}
			pos = end + 1
			continue
		}
		loc := rePHINameWord.FindStringIndex(rest[pos:])
		if loc == nil || loc[0] != 0 {
			break
		}
		w := rest[pos : pos+loc[1]]
		if phiStopWord(w) {
			break
		}
		r, _ := utf8.DecodeRuneInString(w)
		cased := unicode.IsUpper(r) || unicode.IsLower(r)
		upper := unicode.IsUpper(r)
		switch {
		case !cased && words == 1:
			return end // caseless scripts: one word, a verb may follow
		case cased && words == 0 && weak && !upper:
			return end
		case cased && words > 0 && !upper && (firstUpper || words == 2):
			return end
		}
		if words == 0 {
			firstUpper = upper
		}
		words++
		end = pos + loc[1]
		// Words of one name are one space apart.
		if end+1 >= len(rest) || rest[end] != ' ' {
			break
		}
		pos = end + 1
	}
	return end
}

var rePHINameWord = regexp.MustCompile(`[\p{L}\p{M}][\p{L}\p{M}'’\-]*`)

// phiEnglishLooking reports whether prose's English model should look at s:
// mostly ASCII letters and at least one common English word.
func phiEnglishLooking(s string) bool {
	ascii, other := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if r < 128 {
				ascii++
			} else {
				other++
			}
		}
	}
	if ascii == 0 || other*10 > ascii {
		return false
	}
	for _, w := range rePHIWord.FindAllString(strings.ToLower(s), -1) {
		if phiEnglishMarkers[strings.Trim(w, ".'’")] {
			return true
		}
	}
	return false
}

// phiEnglishMarkers are English words other languages written in Latin
// script do not use ("me", "son", "come" are Spanish or Italian too).
var phiEnglishMarkers = phiSet(`i i'm im my the is are this it can will be you we and for please thanks thank need want ` +
	`appointment appt there have not yes at with she his her daughter wife husband mom dad`)

func (r *Redactor) loadModel() {
	defer func() {
		if recover() != nil {
			r.model = nil
		}
	}()
	r.model = prose.ModelFromData("en")
}

// redactPersons replaces the PERSON entities prose finds in English text.
func (r *Redactor) redactPersons(s string) string {
	if !phiEnglishLooking(s) {
		return s
	}
	r.once.Do(r.loadModel)
	if r.model == nil {
		return s
	}
	toks := r.personTokens(s)
	if len(toks) == 0 {
		return s
	}
	return phiReplace(s, rePHINameWord, func(s string, m []int) (string, bool) {
		inPlaceholder := m[0] > 0 && s[m[0]-1] == '['
		return PlaceholderName, toks[s[m[0]:m[1]]] && phiWordBound(s, m[0], m[1]) && !inPlaceholder
	})
}

func (r *Redactor) personTokens(s string) (toks map[string]bool) {
	defer func() {
		if recover() != nil {
			toks = nil
		}
	}()
	doc, err := prose.NewDocument(s, prose.UsingModel(r.model), prose.WithSegmentation(false))
	if err != nil {
		return nil
	}
	for _, t := range doc.Tokens() {
		if !strings.HasSuffix(t.Label, "-PERSON") || utf8.RuneCountInString(t.Text) < 2 || phiStopWord(t.Text) {
			continue
		}
		if first, _ := utf8.DecodeRuneInString(t.Text); !unicode.IsLetter(first) {
			continue
		}
		if toks == nil {
			toks = map[string]bool{}
		}
		toks[t.Text] = true
	}
	return toks
}

// ---- common words ----

func phiSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func phiStopWord(w string) bool {
	return phiStopWords[strings.ToLower(strings.Trim(w, ".,'’"))]
}

// phiStopWords are words that are never a name or a street's name: function
// words, time words, reply words and clinic words of the languages most
// written in Latin script, plus copulas that follow a name elsewhere.
var phiStopWords = phiSet(`
a an the and or but if so to at on in of for by with from as is are was be been am pm i me my we you your he she it its they them
this that there here can could would will shall should may might must do does did not no yes ok okay sure yeah yep nope please pls
thanks thank thx hi hello hey dear sorry good fine well just also too very really still then than now
today tonight tomorrow yesterday morning afternoon evening night noon midnight week weekend month year day days next last earlier later early late
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
january february march april june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
stop help info cancel confirm reschedule start unstop quit end yes mrn ssn dob id zip apt
doctor dr doc clinic office appointment appt visit nurse dentist patient time slot available
going coming come go here running sick not unable able busy free fine late waiting calling texting writing
who what when where why how which
o y e u el la los las un una de del al en con por para que es soy son sí si no ya hoy mañana tarde noche lunes martes miércoles miercoles jueves viernes sábado sabado domingo
gracias hola cita doctora favor puedo quiero necesito
le les et ou je tu il elle nous vous ils une des du au aux pour avec sans est suis oui non merci bonjour demain soir lundi mardi mercredi jeudi vendredi samedi dimanche rendez-vous
der die das und oder ich du er sie wir ihr ein eine ist bin nicht ja nein danke hallo morgen heute abend montag dienstag mittwoch donnerstag freitag samstag sonntag termin um uhr
os as um uma do da dos das no na ao sou é sim não obrigado obrigada amanhã hoje segunda terça quarta quinta sexta sábado consulta
il lo gli le sono è ciao grazie domani oggi lunedì martedì mercoledì giovedì venerdì sabato domenica appuntamento
jestem nie tak dziękuję jutro dzisiaj wizyta
ni waa ay hai hoon hu hun है हूँ हूं ہے ہوں است هستم هست է եմ είναι
`)
