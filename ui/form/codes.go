package form

import (
	"regexp"
	"strings"
)

var (
	icd10   = regexp.MustCompile(`^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$`)
	icd10in = regexp.MustCompile(`^[A-TV-Z]([0-9]([0-9A-Z](\.[0-9A-Z]{0,4})?)?)?$`)
)

// SplitCodes reads diagnosis codes typed with commas, semicolons or spaces
// between them, upper-cased.
func SplitCodes(s string) []string {
	f := strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n'
	})
	return f
}

// ValidCode reports whether c has the ICD-10-CM form: a letter other than
// U, a digit, a digit or letter, then optionally a dot and 1 to 4 more.
func ValidCode(c string) bool { return icd10.MatchString(c) }

// Partial reports whether c could still become a valid code as typing goes on.
func Partial(c string) bool { return icd10in.MatchString(c) }

// CodeMessage explains why c is not an ICD-10 code, with a suggestion when
// a dot is all that is missing.
func CodeMessage(c string) string {
	msg := "“" + c + "” is not an ICD-10 code: a letter (not U), a digit, a digit or letter, then optionally a dot and up to 4 more (e.g. I10, Z87.39, S72.001A)."
	if len(c) > 3 && !strings.Contains(c, ".") && ValidCode(c[:3]+"."+c[3:]) {
		msg += " Did you mean " + c[:3] + "." + c[3:] + "?"
	}
	return msg
}

// CodeErrors returns one message per malformed code. When typing is true
// the last code is still being written: it is only an error if no more
// typing can make it valid.
func CodeErrors(value string, typing bool) []string {
	codes := SplitCodes(value)
	trailingSep := value != "" && strings.ContainsAny(value[len(value)-1:], ", ;\t")
	var errs []string
	for i, c := range codes {
		if ValidCode(c) {
			continue
		}
		if typing && i == len(codes)-1 && !trailingSep && Partial(c) {
			continue
		}
		errs = append(errs, CodeMessage(c))
	}
	return errs
}
