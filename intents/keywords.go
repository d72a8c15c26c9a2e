package intents

import (
	"sort"
)

// wordList holds one language's bare one-word (or fixed short phrase)
// replies. Stop, Start and Help are compliance keywords; Yes and No serve
// the dialogue ("YES" re-subscribes an opted-out number, "reply YES to
// take the offer").
//
// Rules for Stop: only words that mean "stop texting me / unsubscribe",
// and STOP, HELP and INFO spelled in the language's own script (स्टॉप,
// સ્ટોપ, 스톱).
// Words whose everyday meaning is "cancel" (cancelar, annuler, отменить,
// 取消, キャンセル, 취소, إلغاء, iptal, ...) are left out: a patient who texts
// them means the appointment. The one exception is English CANCEL, which
// SPEC §3 and carrier rules (FCC 24-18) count as revoking consent.
type wordList struct {
	Stop, Start, Help, Yes, No []string
}

// keywordTable is the one table of bare keywords, keyed by ISO 639-1 code.
// Every language of locales.Supported has an entry (tested). Matching
// ignores case, surrounding punctuation and, where unambiguous, accents.
var keywordTable = map[string]wordList{
	"en": {
		Stop:  []string{"stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "opt out", "opt-out"},
		Start: []string{"start", "unstop", "optin", "opt in", "opt-in"},
		Help:  []string{"help", "info"},
		Yes:   []string{"yes", "y", "yeah", "yep", "yup", "yea", "yes please"},
		No:    []string{"no", "n", "nope", "nah", "no thanks", "no thank you"},
	},
	"es": {
		Stop:  []string{"baja", "parar", "alto", "detener", "desuscribir", "desuscribirme", "darme de baja", "dar de baja"},
		Start: []string{"alta", "iniciar", "comenzar", "reanudar", "darme de alta"},
		Help:  []string{"ayuda", "información", "informacion"},
		Yes:   []string{"sí", "si", "sip", "sí por favor", "si por favor"},
		No:    []string{"no", "nop", "no gracias"},
	},
	"zh": {
		Stop:  []string{"退订", "退訂", "td", "取消订阅", "取消訂閱", "停止", "停止发送", "停止發送", "退订短信", "退訂短信"},
		Start: []string{"订阅", "訂閱", "开始", "開始", "恢复订阅", "恢復訂閱"},
		Help:  []string{"帮助", "幫助", "求助"},
		Yes:   []string{"是", "是的", "好", "好的", "对", "對", "可以", "行", "嗯"},
		No:    []string{"不", "否", "不是", "不要", "不用", "不行", "不了"},
	},
	"vi": {
		Stop:  []string{"dừng", "ngừng", "hủy đăng ký", "huỷ đăng ký", "dừng lại", "ngừng gửi"},
		Start: []string{"bắt đầu", "đăng ký lại"},
		Help:  []string{"trợ giúp", "giúp đỡ"},
		Yes:   []string{"có", "vâng", "dạ", "ừ", "đúng", "dạ vâng", "dạ có", "vang"},
		No:    []string{"không", "khong", "ko", "dạ không"},
	},
	"ko": {
		Stop:  []string{"중지", "수신거부", "수신 거부", "그만", "그만 보내", "구독취소", "구독 취소", "스톱", "스탑"},
		Start: []string{"시작", "수신동의", "수신 동의"},
		Help:  []string{"도움말", "도움"},
		Yes:   []string{"네", "예", "응", "넵", "넹", "네 네"},
		No:    []string{"아니요", "아니오", "아뇨", "아니", "아니요 괜찮아요"},
	},
	"tl": {
		Stop:  []string{"tigil", "itigil", "ihinto", "huminto"},
		Start: []string{"simula", "simulan"},
		Help:  []string{"tulong"},
		Yes:   []string{"oo", "opo", "oo po", "oho", "sige"},
		No:    []string{"hindi", "hindi po", "ayoko", "ayaw"},
	},
	"ru": {
		Stop:  []string{"стоп", "отписаться", "отписка", "отпишите", "отпишитесь"},
		Start: []string{"старт", "подписаться", "возобновить"},
		Help:  []string{"помощь", "справка", "инфо"},
		Yes:   []string{"да", "ага", "да да", "da"},
		No:    []string{"нет", "не", "неа", "net"},
	},
	"ar": {
		Stop:  []string{"توقف", "إيقاف", "ايقاف", "أوقف", "اوقف", "قف", "إلغاء الاشتراك", "الغاء الاشتراك", "الغاء الإشتراك", "ستوب"},
		Start: []string{"ابدأ", "ابدا", "بدء", "اشتراك", "استئناف"},
		Help:  []string{"مساعدة", "مساعده", "معلومات"},
		Yes:   []string{"نعم", "أيوه", "ايوه", "ايوا", "أجل", "اي", "naam", "aywa"},
		No:    []string{"لا", "لأ", "كلا", "la"},
	},
	"fr": {
		Stop:  []string{"arrêt", "arret", "arrêter", "arreter", "désabonner", "desabonner", "désabonnement", "desabonnement", "désinscription", "desinscription", "stop sms"},
		Start: []string{"démarrer", "demarrer", "reprendre", "abonner"},
		Help:  []string{"aide"},
		Yes:   []string{"oui", "ouais", "ouii", "oui merci"},
		No:    []string{"non", "non merci", "nan"},
	},
	"pt": {
		Stop:  []string{"parar", "sair", "descadastrar", "descadastre", "cancelar inscrição", "cancelar inscricao"},
		Start: []string{"começar", "comecar", "reativar", "voltar a receber"},
		Help:  []string{"ajuda"},
		Yes:   []string{"sim", "sim obrigado", "sim obrigada"},
		No:    []string{"não", "nao", "não obrigado", "não obrigada"},
	},
	"pl": {
		Stop:  []string{"stop sms", "wypisz", "wypisz się", "wypisz mnie", "koniec"},
		Start: []string{"zapisz", "wznów"},
		Help:  []string{"pomoc"},
		Yes:   []string{"tak", "tak dziękuję"},
		No:    []string{"nie", "nie dziękuję"},
	},
	"hi": {
		Stop:  []string{"रोकें", "रोको", "बंद", "बंद करो", "बंद करें", "band karo", "band", "स्टॉप", "स्टोप"},
		Start: []string{"शुरू", "शुरू करें", "shuru"},
		Help:  []string{"मदद", "सहायता", "madad", "हेल्प", "इन्फो"},
		Yes:   []string{"हाँ", "हां", "जी", "जी हाँ", "जी हां", "haan", "han", "haa", "ha", "ji", "ji haan"},
		No:    []string{"नहीं", "ना", "जी नहीं", "nahi", "nahin", "na"},
	},
	"ja": {
		Stop:  []string{"停止", "配信停止", "ストップ", "配信解除"},
		Start: []string{"開始", "配信再開", "スタート"},
		Help:  []string{"ヘルプ"},
		Yes:   []string{"はい", "うん", "ええ", "はい お願いします"},
		No:    []string{"いいえ", "いや", "いえ", "ううん"},
	},
	"de": {
		Stop:  []string{"stopp", "abmelden", "abbestellen", "austragen", "ende"},
		Start: []string{"anmelden", "starten"},
		Help:  []string{"hilfe"},
		Yes:   []string{"ja", "jawohl", "ja bitte", "jap"},
		No:    []string{"nein", "nein danke", "nö"},
	},
	"it": {
		Stop:  []string{"basta", "disiscrivi", "disiscriviti", "disiscrivimi", "fermare"},
		Start: []string{"iscrivi", "iscriviti", "riprendi", "avvia"},
		Help:  []string{"aiuto"},
		Yes:   []string{"sì", "si grazie", "sì grazie"},
		No:    []string{"no grazie"},
	},
	"fa": {
		Stop:  []string{"توقف", "لغو اشتراک", "لغو عضویت", "قطع پیام", "استاپ"},
		Start: []string{"شروع", "عضویت"},
		Help:  []string{"کمک", "راهنما", "راهنمایی"},
		Yes:   []string{"بله", "آره", "بلی", "baleh", "bale", "areh"},
		No:    []string{"نه", "خیر", "نخیر", "nah", "na"},
	},
	"ur": {
		Stop:  []string{"بند", "بند کریں", "بند کرو", "روکیں", "اسٹاپ", "سٹاپ"},
		Start: []string{"شروع", "شروع کریں"},
		Help:  []string{"مدد", "ہیلپ"},
		Yes:   []string{"ہاں", "جی", "جی ہاں", "haan", "ji"},
		No:    []string{"نہیں", "جی نہیں", "nahi", "nahin"},
	},
	"gu": {
		Stop:  []string{"બંધ", "બંધ કરો", "રોકો", "સ્ટોપ"},
		Start: []string{"શરૂ", "શરૂ કરો"},
		Help:  []string{"મદદ", "હેલ્પ", "ઇન્ફો"},
		Yes:   []string{"હા", "હાં", "હા જી"},
		No:    []string{"ના", "નહીં", "ના જી"},
	},
	"bn": {
		Stop:  []string{"বন্ধ", "বন্ধ করুন", "থামুন", "স্টপ"},
		Start: []string{"শুরু", "শুরু করুন"},
		Help:  []string{"সাহায্য", "হেল্প", "ইনফো"},
		Yes:   []string{"হ্যাঁ", "হাঁ", "হ্যা", "জি", "hae", "hya"},
		No:    []string{"না", "জি না"},
	},
	"pa": {
		Stop:  []string{"ਬੰਦ", "ਬੰਦ ਕਰੋ", "ਰੋਕੋ", "ਸਟਾਪ"},
		Start: []string{"ਸ਼ੁਰੂ", "ਸ਼ੁਰੂ ਕਰੋ"},
		Help:  []string{"ਮਦਦ", "ਸਹਾਇਤਾ", "ਹੈਲਪ"},
		Yes:   []string{"ਹਾਂ", "ਹਾਂਜੀ", "ਹਾਂ ਜੀ", "ਜੀ", "haanji"},
		No:    []string{"ਨਹੀਂ", "ਨਾ", "ਜੀ ਨਹੀਂ", "nahi ji"},
	},
	"hy": {
		Stop:  []string{"կանգ", "դադարեցնել", "կանգնեցնել", "ստոպ"},
		Start: []string{"սկսել"},
		Help:  []string{"օգնություն", "հելփ"},
		Yes:   []string{"այո", "հա", "ayo"},
		No:    []string{"ոչ", "չէ", "voch"},
	},
	"uk": {
		Stop:  []string{"стоп", "відписатися", "відписка", "відпишіть"},
		Start: []string{"старт", "підписатися", "відновити"},
		Help:  []string{"допомога", "довідка"},
		Yes:   []string{"так", "ага", "так так"},
		No:    []string{"ні", "ні дякую"},
	},
	"el": {
		Stop:  []string{"στοπ", "διακοπή", "διαγραφή", "σταματήστε"},
		Start: []string{"έναρξη", "εγγραφή"},
		Help:  []string{"βοήθεια"},
		Yes:   []string{"ναι", "ναι ευχαριστώ"},
		No:    []string{"όχι", "οχι ευχαριστώ", "ochi", "oxi"},
	},
	"he": {
		Stop:  []string{"הסר", "הסרה", "עצור", "הפסק", "הפסיקו", "סטופ"},
		Start: []string{"התחל", "חידוש"},
		Help:  []string{"עזרה"},
		Yes:   []string{"כן", "כן תודה"},
		No:    []string{"לא", "לא תודה"},
	},
	"so": {
		Stop:  []string{"jooji", "joojiya", "ka bax"},
		Start: []string{"bilow", "bilaab"},
		Help:  []string{"caawimaad", "caawin"},
		Yes:   []string{"haa", "haye", "haa mahadsanid"},
		No:    []string{"maya", "maya mahadsanid"},
	},
	"th": {
		Stop:  []string{"หยุด", "หยุดส่ง", "เลิกรับข้อความ", "ยกเลิกรับข่าวสาร", "สต็อป", "สตอป"},
		Start: []string{"เริ่ม", "เริ่มใหม่"},
		Help:  []string{"ช่วยเหลือ", "ช่วยด้วย"},
		Yes:   []string{"ใช่", "ค่ะ", "ครับ", "ใช่ค่ะ", "ใช่ครับ", "ได้", "ได้ค่ะ", "ได้ครับ"},
		No:    []string{"ไม่", "ไม่ใช่", "ไม่ค่ะ", "ไม่ครับ"},
	},
	"tr": {
		Stop:  []string{"dur", "durdur", "ret", "abonelikten çık"},
		Start: []string{"başla", "başlat"},
		Help:  []string{"yardım"},
		Yes:   []string{"evet", "evet lütfen"},
		No:    []string{"hayır", "hayir", "yok", "hayır teşekkürler"},
	},
	"id": {
		Stop:  []string{"berhenti", "unreg", "stop sms"},
		Start: []string{"mulai"},
		Help:  []string{"bantuan"},
		Yes:   []string{"ya", "iya", "yaa", "iya betul"},
		No:    []string{"tidak", "nggak", "gak", "enggak", "tdk", "ga"},
	},
	"sw": {
		Stop:  []string{"sitisha", "simamisha", "jiondoe"},
		Start: []string{"anza", "anzisha"},
		Help:  []string{"msaada"},
		Yes:   []string{"ndiyo", "ndio", "naam", "sawa"},
		No:    []string{"hapana", "la hasha"},
	},
	"yo": {
		Stop:  []string{"dúró", "dáwọ́ dúró"},
		Start: []string{"bẹ̀rẹ̀"},
		Help:  []string{"ìrànlọ́wọ́"},
		Yes:   []string{"bẹ́ẹ̀ni", "bẹẹni", "beeni", "bẹ́ẹ̀ ni"},
		No:    []string{"rárá", "rara", "bẹ́ẹ̀kọ́", "beeko"},
	},
}

// wordKind is what a bare word means.
type wordKind uint8

const (
	kindStop wordKind = iota + 1
	kindStart
	kindHelp
	kindYes
	kindNo
)

// wordEntry is one matched word: what it means and which languages use it.
type wordEntry struct {
	kind  wordKind
	langs []string
}

// wordIndex finds bare words. exact is keyed by Normalize; loose by
// Fold(Normalize) and holds only forms that stay unambiguous once accents
// are gone (Vietnamese "dừng" (stop) and "đúng" (yes) both fold to "dung":
// a bare "dung" is looked up exactly or not at all).
type wordIndex struct {
	exact map[string]wordEntry
	loose map[string]wordEntry
	// conflicts lists exact forms given two meanings in the table; a test
	// keeps it empty.
	conflicts []string
}

// words is built once from keywordTable and never written afterwards.
var words = buildWordIndex(keywordTable)

func buildWordIndex(table map[string]wordList) wordIndex {
	idx := wordIndex{exact: map[string]wordEntry{}, loose: map[string]wordEntry{}}
	ambiguous := map[string]bool{}
	langs := make([]string, 0, len(table))
	for l := range table {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	add := func(m map[string]wordEntry, key string, k wordKind, lang string, amb map[string]bool) {
		e, ok := m[key]
		if ok && e.kind != k {
			if amb != nil {
				amb[key] = true
			} else {
				idx.conflicts = append(idx.conflicts, lang+":"+key)
			}
			return
		}
		for _, l := range e.langs {
			if l == lang {
				return
			}
		}
		e.kind = k
		e.langs = append(e.langs, lang)
		m[key] = e
	}
	for _, lang := range langs {
		wl := table[lang]
		for _, g := range []struct {
			k     wordKind
			words []string
		}{{kindStop, wl.Stop}, {kindStart, wl.Start}, {kindHelp, wl.Help}, {kindYes, wl.Yes}, {kindNo, wl.No}} {
			for _, w := range g.words {
				n := Normalize(w)
				add(idx.exact, n, g.k, lang, nil)
				add(idx.loose, Fold(n), g.k, lang, ambiguous)
			}
		}
	}
	for k := range ambiguous {
		delete(idx.loose, k)
	}
	return idx
}

// lookupWord finds a bare message in the index: exactly first, then with
// accents folded.
func lookupWord(text string) (wordEntry, bool) {
	n := Normalize(text)
	if n == "" {
		return wordEntry{}, false
	}
	if e, ok := words.exact[n]; ok {
		return e, true
	}
	e, ok := words.loose[Fold(n)]
	return e, ok
}

// Compliance reports whether text is only a compliance keyword, in any of
// the supported languages: the STOP family (STOP, STOPALL, UNSUBSCRIBE,
// CANCEL, END, QUIT, REVOKE, OPTOUT and local words such as BAJA, ARRÊT,
// 退订, СТОП), START/UNSTOP, or HELP/INFO. Case, surrounding white space and
// punctuation are ignored (" Stop!! " is STOP); anything more than the bare
// word ("cancel my appointment", "please cancel") is not a keyword.
func Compliance(text string) Keyword {
	e, ok := lookupWord(text)
	if !ok {
		return KeywordNone
	}
	switch e.kind {
	case kindStop:
		return KeywordStop
	case kindStart:
		return KeywordStart
	case kindHelp:
		return KeywordHelp
	}
	return KeywordNone
}

// keywordLangs returns the languages whose bare word text is, or nil.
func keywordLangs(text string) []string {
	e, ok := lookupWord(text)
	if !ok {
		return nil
	}
	return e.langs
}

// IsBareYes reports whether text is only a "yes" in one of the supported
// languages (yes, sí, да, 是, はい, 네, نعم, ndiyo, ...). The dialogue uses it
// for "YES re-subscribes an opted-out number" and for "reply YES to take
// the offer".
func IsBareYes(text string) bool {
	e, ok := lookupWord(text)
	return ok && e.kind == kindYes
}

// IsBareNo reports whether text is only a "no" in one of the supported
// languages (no, non, нет, 不, いいえ, لا, hapana, ...).
func IsBareNo(text string) bool {
	e, ok := lookupWord(text)
	return ok && e.kind == kindNo
}

// replyCodes are the one-letter answers reminders offer (SPEC §3): the
// service never asks a patient to "reply CANCEL".
var replyCodes = map[string]Label{
	"c": Confirm,
	"r": Reschedule,
	"x": Cancel,
	"w": Waitlist,
}

// codeLookalikes are letters of other alphabets that look like a reply
// code on a patient's keyboard: Cyrillic с and х, Greek χ.
var codeLookalikes = map[string]string{"с": "c", "х": "x", "χ": "x"}

// ReplyCode reports the label of a bare reply code: "C" confirm,
// "R" reschedule, "X" cancel, "W" waitlist (any case, surrounding white
// space and punctuation ignored; a Cyrillic С or Х and a Greek Χ, typed
// on a Russian, Ukrainian or Greek keyboard, count as C and X).
func ReplyCode(text string) (Label, bool) {
	n := Normalize(text)
	if c, ok := codeLookalikes[n]; ok {
		n = c
	}
	if len(n) != 1 {
		return "", false
	}
	l, ok := replyCodes[n]
	return l, ok
}
