// Package locales holds every outbound text of the service as go-i18n message
// files, one per language, and the one list of languages the service speaks.
package locales

// Supported lists the ISO 639-1 codes of the 30 languages the service speaks,
// in the order of SPEC §2. Adding a language starts here: the detector is
// built from this list and tests name the corpus and template files missing.
var Supported = []string{
	"en", "es", "zh", "vi", "ko", "tl", "ru", "ar", "fr", "pt",
	"pl", "hi", "ja", "de", "it", "fa", "ur", "gu", "bn", "pa",
	"hy", "uk", "el", "he", "so", "th", "tr", "id", "sw", "yo",
}

// Default is the language used when nothing is known about a patient.
const Default = "en"

// IsSupported reports whether code is one of Supported.
func IsSupported(code string) bool {
	for _, c := range Supported {
		if c == code {
			return true
		}
	}
	return false
}
