package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// A deterministic generator of realistic directory rows for the index
// tests and benchmarks: "Alvarez-Smith, Maria · Cardiology · Springfield, IL
// · NPI 1234567893 · #5521", about 18% with accented names.

var (
	genLast = []string{"Alvarez", "Chen", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia",
		"Miller", "Davis", "Rodriguez", "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore",
		"Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
		"Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
		"Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Patel", "Kim",
		"Nguyen", "Singh", "McDonald", "O'Brien", "Okafor", "Kowalski", "Schmidt", "Rossi", "Cohen"}
	genLastAccent = []string{"Álvarez", "Muñoz", "Peña", "Gómez", "Hernández", "Müller", "Dvořák",
		"Łukasiewicz", "Jiménez", "Björklund", "Nuñez", "Çelik", "Søndergaard", "Nguyễn", "Øst", "Straße"}
	genFirst = []string{"Maria", "James", "Wei", "John", "Linda", "Robert", "Patricia", "Michael",
		"Jennifer", "David", "Elizabeth", "William", "Susan", "Richard", "Jessica", "Joseph", "Sarah",
		"Thomas", "Karen", "Charles", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Priya",
		"Ahmed", "Yuki", "Olga", "Carlos", "Fatima"}
	genFirstAccent = []string{"José", "François", "Zoë", "Renée", "Søren", "Ángela", "Inés", "Jürgen",
		"Łucja", "Chloé"}
	genSpec = []string{"Cardiology", "Pediatrics", "Orthopedics", "Dermatology", "Neurology",
		"Oncology", "Gastroenterology", "Endocrinology", "Pulmonology", "Nephrology", "Rheumatology",
		"Ophthalmology", "Otolaryngology", "Urology", "Psychiatry", "Family Medicine", "Internal Medicine",
		"Obstetrics & Gynecology", "Pediatric Cardiology", "Orthopedic Surgery", "Radiology",
		"Physical Therapy", "Allergy & Immunology"}
	genCity = []string{"Springfield, IL", "Springfield, MA", "Chicago, IL", "Boston, MA", "Austin, TX",
		"Denver, CO", "Portland, OR", "Seattle, WA", "Madison, WI", "Columbus, OH", "Albany, NY",
		"Raleigh, NC", "Phoenix, AZ", "Tucson, AZ", "Omaha, NE", "Fresno, CA", "Santa Fe, NM",
		"San José, CA", "Saint Louis, MO", "Burlington, VT", "Richmond, VA", "Nashville, TN"}
)

// Entry is the tests' row, shaped like a directory entry of state.
type Entry struct {
	Key, Name, Detail, Text string
	Inactive                bool
}

func (e Entry) Doc() Doc { return Doc{Key: e.Key, Text: e.Text, Inactive: e.Inactive} }

// genRows returns n rows, the same for the same seed; every 33rd is inactive.
func genRows(n int, seed uint64) []Entry {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	rows := make([]Entry, n)
	var b strings.Builder
	for i := range rows {
		last, first := pick(genLast), pick(genFirst)
		if rng.IntN(100) < 18 {
			if rng.IntN(2) == 0 {
				last = pick(genLastAccent)
			} else {
				first = pick(genFirstAccent)
			}
		}
		if rng.IntN(6) == 0 {
			last += "-" + pick(genLast)
		}
		name := last + ", " + first
		npi := fmt.Sprintf("%010d", rng.Uint64N(10_000_000_000))
		detail := pick(genSpec) + " · " + pick(genCity) + " · NPI " + npi
		b.Reset()
		fmt.Fprintf(&b, "%s · %s · #%d", name, detail, 1000+rng.IntN(9000))
		rows[i] = Entry{
			Key:      fmt.Sprintf("prv-%07d", i),
			Name:     name,
			Detail:   detail,
			Text:     b.String(),
			Inactive: i%33 == 32,
		}
	}
	return rows
}
