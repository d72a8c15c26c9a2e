package locales

import (
	"strings"
	"unicode/utf16"
)

// gsmBasic is the GSM 03.38 default alphabet; each of its characters costs
// one septet.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension holds the characters of the GSM 03.38 extension table; each
// costs two septets (an escape and the character).
const gsmExtension = "\f^{}\\[~]|€"

// SMS segment sizes: a single message, and each part of a concatenated one
// (whose user data header takes the difference).
const (
	gsmSingle  = 160
	gsmPart    = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// Segments reports how s travels as SMS: its encoding, "GSM-7" when every
// character is in the GSM 03.38 alphabet and "UCS-2" otherwise, and the
// number of segments it takes. GSM-7 fits 160 septets in one segment and 153
// per part beyond (extension characters such as € or { take two septets and
// are never split); UCS-2 fits 70 UTF-16 code units in one and 67 per part
// (a surrogate pair is never split). The empty string takes 0 segments.
func Segments(s string) (encoding string, parts int) {
	if s == "" {
		return "GSM-7", 0
	}
	var units []int // cost of each character, in septets or code units
	gsm := true
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			units = append(units, 1)
		case strings.ContainsRune(gsmExtension, r):
			units = append(units, 2)
		default:
			gsm = false
		}
		if !gsm {
			break
		}
	}
	encoding, single, part := "GSM-7", gsmSingle, gsmPart
	if !gsm {
		encoding, single, part = "UCS-2", ucs2Single, ucs2Part
		units = units[:0]
		for _, r := range s {
			units = append(units, max(utf16.RuneLen(r), 1))
		}
	}
	total := 0
	for _, u := range units {
		total += u
	}
	if total <= single {
		return encoding, 1
	}
	parts, used := 1, 0
	for _, u := range units {
		if used+u > part {
			parts++
			used = 0
		}
		used += u
	}
	return encoding, parts
}
