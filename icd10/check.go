package icd10

import (
	"strconv"
	"strings"
)

// Problem says why a code was refused.
type Problem int

// The reasons a code is refused.
const (
	Header   Problem = iota + 1 // a category: one of its codes is needed
	NearMiss                    // not a code, but close to one (Suggest)
	Unknown                     // shaped like a code, in no way close to one
	Words                       // words, not a code
)

// CodeError is one refused code, with a message saying what to do.
type CodeError struct {
	Input   string // as written
	Problem Problem
	Suggest []Code // for a header its codes, for a near miss the likely ones
	Message string
}

func (e *CodeError) Error() string { return e.Message }

// SearchHint is where to look a code up by words.
const SearchHint = "search for it in the Diagnosis codes field or with `refdesk codes`"

// maxListed is how many codes a message lists.
const maxListed = 8

// Check accepts a billable code of the set written in any case, with or
// without its dot, and returns it canonical ("z8739" -> "Z87.39").
// Anything else is a *CodeError whose Message says what to do.
func (s *Set) Check(code string) (string, error) {
	d := s.get()
	in := strings.TrimSpace(code)
	c := Canonical(in)
	if !CodePrefix(in) {
		return "", &CodeError{Input: in, Problem: Words,
			Message: "“" + in + "” is not a code; " + SearchHint + "."}
	}
	if i, ok := d.find(c); ok {
		if d.entries[i].billable {
			return c, nil
		}
		kids, n := d.children(i, maxListed)
		list := make([]string, len(kids))
		for j, k := range kids {
			list[j] = k.Code
		}
		msg := c + " is a category; choose one of its codes: " + strings.Join(list, ", ")
		if n > len(kids) {
			msg += " … (" + strconv.Itoa(n) + " codes; " + SearchHint + ")"
		}
		return "", &CodeError{Input: in, Problem: Header, Suggest: kids, Message: msg + "."}
	}
	if sug := d.nearMisses(strings.ReplaceAll(c, ".", "")); len(sug) > 0 {
		parts := make([]string, len(sug))
		for j, k := range sug {
			parts[j] = k.Code + " (" + k.Desc + ")"
		}
		return "", &CodeError{Input: in, Problem: NearMiss, Suggest: sug,
			Message: c + " is not a code; did you mean " + strings.Join(parts, " or ") + "?"}
	}
	return "", &CodeError{Input: in, Problem: Unknown,
		Message: c + " is not a code of " + s.Name() + "; " + SearchHint + "."}
}

// CheckAll checks every code: the accepted ones canonical, in order,
// without repeats, and one *CodeError per refused code.
func (s *Set) CheckAll(codes []string) ([]string, []*CodeError) {
	var ok []string
	var bad []*CodeError
	for _, c := range codes {
		if strings.TrimSpace(c) == "" {
			continue
		}
		got, err := s.Check(c)
		if err != nil {
			bad = append(bad, err.(*CodeError))
			continue
		}
		if !containsString(ok, got) {
			ok = append(ok, got)
		}
	}
	return ok, bad
}

// confusable lists characters mistaken for one another when a code is
// copied from paper: O for 0, I or L for 1, and so on.
func confusable(b byte) string {
	switch b {
	case 'O':
		return "0Q"
	case '0':
		return "O"
	case 'I', 'L':
		return "1"
	case '1':
		return "IL"
	case 'S':
		return "5"
	case '5':
		return "S"
	case 'B':
		return "8"
	case '8':
		return "B"
	case 'Z':
		return "2"
	case '2':
		return "Z"
	case 'G':
		return "6"
	case '6':
		return "G"
	}
	return ""
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// nearMisses are billable codes one slip away from u (a code without its
// dot): first characters confused (O for 0), then two characters swapped,
// then one character missing, extra or different. The first kind that
// finds any wins; at most 3, in code order.
func (d *data) nearMisses(u string) []Code {
	var found []Code
	try := func(v string) {
		if len(found) >= 3 {
			return
		}
		if i, ok := d.find(Canonical(v)); ok && d.entries[i].billable {
			c := d.code(i)
			for _, f := range found {
				if f.Code == c.Code {
					return
				}
			}
			found = append(found, c)
		}
	}
	// Letters that look like digits read as digits after the first
	// character (and the other way round for the first), then one
	// confusable character at a time.
	all := []byte(u)
	for i, b := range all {
		if alt := confusable(b); alt != "" && (i == 0) == (alt[0] >= 'A') {
			all[i] = alt[0]
		}
	}
	try(string(all))
	for i := 0; i < len(u); i++ {
		for _, r := range []byte(confusable(u[i])) {
			try(u[:i] + string(r) + u[i+1:])
		}
	}
	if len(found) > 0 {
		return found
	}
	for i := 0; i+1 < len(u); i++ {
		try(u[:i] + string(u[i+1]) + string(u[i]) + u[i+2:])
	}
	if len(found) > 0 {
		return found
	}
	for i := 0; i < len(u); i++ {
		try(u[:i] + u[i+1:])
	}
	for i := 0; i <= len(u); i++ {
		for j := 0; j < len(alphabet); j++ {
			try(u[:i] + alphabet[j:j+1] + u[i:])
		}
	}
	for i := 0; i < len(u); i++ {
		for j := 0; j < len(alphabet); j++ {
			if alphabet[j] != u[i] {
				try(u[:i] + alphabet[j:j+1] + u[i+1:])
			}
		}
	}
	return found
}
