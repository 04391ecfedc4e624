package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// decodeLenient decodes the JSON object b into v (a pointer to a struct)
// like json.Unmarshal, except that a string field sent as a number or a
// boolean (an EHR id written 99999 instead of "99999") keeps its text
// instead of failing the whole answer. The slow path runs only when the
// plain decode hits a type mismatch.
func decodeLenient(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return err
	}
	strs := stringFields(reflect.TypeOf(v).Elem())
	for k, raw := range m {
		raw = bytes.TrimSpace(raw)
		if !strs[k] || len(raw) == 0 || raw[0] == '"' || raw[0] == '{' || raw[0] == '[' || raw[0] == 'n' {
			continue
		}
		q, _ := json.Marshal(string(raw)) // a number or true/false, as written
		m[k] = q
	}
	fixed, merr := json.Marshal(m)
	if merr != nil {
		return err
	}
	return json.Unmarshal(fixed, v)
}

// stringFields lists the JSON names of t's string fields (embedded
// structs included).
func stringFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k := range stringFields(f.Type) {
				out[k] = true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if f.Type.Kind() == reflect.String {
			out[name] = true
		}
	}
	return out
}

// UnmarshalJSON tolerates ids and other text fields sent as numbers.
func (p *Provider) UnmarshalJSON(b []byte) error {
	type plain Provider
	return decodeLenient(b, (*plain)(p))
}

// UnmarshalJSON tolerates ids and other text fields sent as numbers.
func (p *Patient) UnmarshalJSON(b []byte) error {
	type plain Patient
	return decodeLenient(b, (*plain)(p))
}

// UnmarshalJSON tolerates ids and other text fields sent as numbers.
func (r *Referral) UnmarshalJSON(b []byte) error {
	type plain Referral
	return decodeLenient(b, (*plain)(r))
}
