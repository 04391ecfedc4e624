package icd10

import (
	"strings"
	"testing"
	"time"
)

func TestEmbeddedCounts(t *testing.T) {
	s := Embedded()
	if err := s.Load(); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 98403 || s.Billable() != 74879 {
		t.Fatalf("FY2027 has 98,403 codes, 74,879 billable; got %d, %d", s.Len(), s.Billable())
	}
	if s.Name() != "ICD-10-CM FY2027" {
		t.Fatalf("name %q", s.Name())
	}
	if Embedded() != s {
		t.Fatal("Embedded is not one set per process")
	}
}

func TestCheckAccepts(t *testing.T) {
	s := Embedded()
	for in, want := range map[string]string{
		"I10": "I10", "i10": "I10", "Z8739": "Z87.39", "z87.39": "Z87.39", " E11.9 ": "E11.9",
		"E119":   "E11.9", // without its dot, E11.9 is a code
		"I42.01": "I42.01", "i4201": "I42.01", "F64.A": "F64.A", "f64a": "F64.A", "J4B": "J4B",
	} {
		got, err := s.Check(in)
		if err != nil || got != want {
			t.Errorf("Check(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	s := Embedded()
	for _, c := range []struct {
		in      string
		problem Problem
		msg     string
	}{
		{"I42.0", Header, "I42.0 is a category; choose one of its codes: I42.00, I42.01, I42.09."},
		{"i420", Header, "I42.0 is a category; choose one of its codes: I42.00, I42.01, I42.09."},
		{"Z87.3", Header, "Z87.3 is a category; choose one of its codes: Z87.310,"},
		{"S72", Header, "S72 is a category; choose one of its codes: S72.001A,"},
		{"I1O", NearMiss, "I1O is not a code; did you mean I10 (Essential (primary) hypertension)?"},
		{"I01.O", NearMiss, "I01.O is not a code; did you mean I01.0 (Acute rheumatic pericarditis)?"},
		{"E1l.9", NearMiss, "E1L.9 is not a code; did you mean E11.9 (Type 2 diabetes mellitus without complications)?"},
		{"hypertension", Words, "“hypertension” is not a code; search for it in the Diagnosis codes field or with `refdesk codes`."},
		{"type 2 diabetes", Words, "“type 2 diabetes” is not a code;"},
		{"S23.420", Unknown, "S23.420 is not a code of ICD-10-CM FY2027; search for it"}, // deleted in FY2027
	} {
		_, err := s.Check(c.in)
		ce, ok := err.(*CodeError)
		if !ok {
			t.Errorf("Check(%q): %v, want a refusal", c.in, err)
			continue
		}
		if ce.Problem != c.problem || !strings.HasPrefix(ce.Message, c.msg) {
			t.Errorf("Check(%q) = %d %q\nwant %d %q…", c.in, ce.Problem, ce.Message, c.problem, c.msg)
		}
	}
	_, err := s.Check("S72")
	if !strings.Contains(err.Error(), "…") || strings.Count(err.Error(), ",") > 8 {
		t.Errorf("a long header lists at most 8 codes: %v", err)
	}
}

func TestCheckAll(t *testing.T) {
	ok, bad := Embedded().CheckAll([]string{"i10", "", "Z8739", "I10", "I1O"})
	if strings.Join(ok, ",") != "I10,Z87.39" || len(bad) != 1 || bad[0].Input != "I1O" {
		t.Fatalf("CheckAll: %v %v", ok, bad)
	}
}

func TestLookup(t *testing.T) {
	c, ok := Embedded().Lookup("z87.39")
	if !ok || c.Code != "Z87.39" || !c.Billable || !strings.HasPrefix(c.Desc, "Personal history of other diseases of the musculoskeletal") {
		t.Fatalf("Lookup: %+v %v", c, ok)
	}
	if _, ok := Embedded().Lookup("I1O"); ok {
		t.Fatal("I1O found")
	}
	if Embedded().Describe("QA1.71") != "Lynch syndrome" {
		t.Fatal("QA1.71 is Lynch syndrome in FY2027")
	}
}

func TestSearchWords(t *testing.T) {
	s := Embedded()
	for q, top := range map[string]string{
		"essential hyper":         "I10",
		"Essential hypertension":  "I10",
		"essential (primary)":     "I10",
		"type 2 diabetes without": "E11.9",
		"lynch":                   "QA1.71",
		"t2dm without compl":      "E11.9",
		"hypertension":            "I10", // common codes first among equals
		"diabetes":                "E11.9",
		"chest pain":              "R07.9",
	} {
		r := s.Search(q, 10)
		if len(r.Matches) == 0 || r.Matches[0].Code.Code != top {
			t.Errorf("Search(%q): want %s on top, got %+v", q, top, r.Matches[:min(3, len(r.Matches))])
		}
	}
	r := s.Search("essential hyper", 10)
	m := r.Matches[0]
	if len(m.Hits) != 2 || m.Desc[m.Hits[0][0]:m.Hits[0][1]] != "Essential" || m.Desc[m.Hits[1][0]:m.Hits[1][1]] != "hyper" {
		t.Errorf("hits %v in %q", m.Hits, m.Desc)
	}
	if r := s.Search("zzqqxx", 10); r.Total != 0 || len(r.Matches) != 0 {
		t.Errorf("nonsense found %+v", r)
	}
	// Billable first, headers after with their counts.
	r = s.Search("dilated cardiomyopathy", 50)
	seenHeader := false
	for _, m := range r.Matches {
		if !m.Billable {
			seenHeader = true
			if m.Code.Code == "I42.0" && m.Codes != 3 {
				t.Errorf("I42.0 holds 3 codes, said %d", m.Codes)
			}
		} else if seenHeader {
			t.Errorf("billable %s after a header", m.Code.Code)
		}
	}
	if !seenHeader {
		t.Error("the I42.0 header is not listed")
	}
}

func TestSearchCode(t *testing.T) {
	s := Embedded()
	r := s.Search("i42.0", 10)
	if !r.ByCode || r.Total != 4 || r.Matches[0].Code.Code != "I42.0" || r.Matches[0].Codes != 3 ||
		r.Matches[1].Code.Code != "I42.00" || r.Matches[1].CodeHit != 5 {
		t.Fatalf("i42.0: %+v", r)
	}
	r = s.Search("Z8739", 5)
	if r.Matches[0].Code.Code != "Z87.39" {
		t.Fatalf("Z8739: %+v", r)
	}
	r = s.Search("e11", 50)
	if r.Matches[0].Code.Code != "E11" || !r.Matches[1].Billable || r.Total < 50 {
		t.Fatalf("e11: the category, then billable codes: %+v", r.Matches[:3])
	}
}

func TestStale(t *testing.T) {
	s := Embedded()
	if s.Stale(time.Date(2027, 9, 30, 23, 0, 0, 0, time.UTC)) {
		t.Error("stale before 2027-10-01")
	}
	if !s.Stale(time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("not stale on 2027-10-01")
	}
}

func TestCodePrefix(t *testing.T) {
	for q, want := range map[string]bool{"i1": true, "I10": true, "z87.3": true, "E119": true, "QA1": true,
		"hyper": false, "i": false, "t2dm": false, "I10 Z87.39": false, "2": false} {
		if CodePrefix(q) != want {
			t.Errorf("CodePrefix(%q) = %v", q, !want)
		}
	}
}

// Sessions share one set: the first uses may come at once.
func TestConcurrentFirstUse(t *testing.T) {
	s := newLazy(EmbeddedYear, "embedded", func() (string, error) { return gunzip(embeddedFY2027) })
	done := make(chan string, 4)
	for i := 0; i < 4; i++ {
		go func() {
			if i%2 == 0 {
				r := s.Search("essential hyper", 5)
				done <- r.Matches[0].Code.Code
				return
			}
			c, _ := s.Check("i10")
			done <- c
		}()
	}
	for i := 0; i < 4; i++ {
		if got := <-done; got != "I10" {
			t.Fatalf("got %q", got)
		}
	}
}
