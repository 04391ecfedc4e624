package sandbox

import "refdesk/api"

// Word lists for the generated directory. They are read-only after package
// initialisation (constants in all but name), so sharing them between
// servers is safe.

var firstNames = [...]string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
	"David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
	"Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy",
	"Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra", "Steven", "Ashley",
	"Paul", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kenneth", "Michelle",
	"Kevin", "Carol", "Brian", "Amanda", "Priya", "Wei", "Aisha", "Omar", "Mei",
	"Hiroshi", "Fatima", "Carlos", "Maria", "Luis", "Ana", "Kwame", "Ngozi", "Ivan",
	"Olga", "Raj", "Sofia", "Mateo", "Valentina", "Diego", "Camila", "Nguyen", "Linh",
}

// accentedFirstNames are used for about 15% of people.
var accentedFirstNames = [...]string{
	"José", "Zoë", "Renée", "Inés", "Andrés", "Chloé", "Björn", "François",
	"Noémie", "Raúl", "Søren", "Łukasz", "Héctor", "Mónica", "Jesús", "Ramón",
	"Amélie", "Jürgen", "Siân", "Nuño",
}

var lastNames = [...]string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
	"Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White",
	"Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
	"Wright", "Scott", "Hill", "Green", "Adams", "Nelson", "Baker", "Hall", "Campbell",
	"Mitchell", "Carter", "Roberts", "Patel", "Shah", "Chen", "Wang", "Kim", "Nguyen",
	"Tran", "Singh", "Kumar", "Okafor", "Mensah", "Cohen", "Rossi", "Murphy",
	"O'Brien", "Kowalski", "Novak", "Alvarez", "Rodriguez", "Martinez", "Lopez",
	"Gonzalez", "Hernandez", "Rivera", "Torres", "Ramirez", "Flores", "Reyes",
	"Washington", "Bennett", "Foster", "Hughes", "Price", "Ward", "Sullivan",
	"St. John", "Van der Berg", "Smith-Jones",
}

// accentedLastNames are used for about 15% of people.
var accentedLastNames = [...]string{
	"García", "Núñez", "Peña", "Müller", "Gonçalves", "Dvořák", "Śliwa", "Pérez",
	"Sánchez", "Gómez", "Jiménez", "Ibáñez", "Løvberg", "Béranger", "Åström",
	"Özdemir", "Nováková", "Rodríguez", "Martínez", "Fernández",
}

var specialities = [...]string{
	"Cardiology", "Dermatology", "Endocrinology", "Gastroenterology", "Neurology",
	"Oncology", "Ophthalmology", "Orthopedic Surgery", "Otolaryngology", "Pulmonology",
	"Rheumatology", "Urology", "Nephrology", "Psychiatry", "Obstetrics & Gynecology",
	"Pediatrics", "Physical Therapy", "Podiatry", "Allergy & Immunology",
	"General Surgery", "Hematology", "Infectious Disease", "Pain Management",
	"Radiology", "Sleep Medicine", "Family Medicine", "Internal Medicine",
}

// place is a city with its state, a ZIP prefix and an area code.
type place struct {
	City, State, Zip, Area string
}

var places = [...]place{
	{"Springfield", "IL", "627", "217"}, {"Chicago", "IL", "606", "773"},
	{"Naperville", "IL", "605", "630"}, {"Peoria", "IL", "616", "309"},
	{"Madison", "WI", "537", "608"}, {"Milwaukee", "WI", "532", "414"},
	{"Indianapolis", "IN", "462", "317"}, {"Columbus", "OH", "432", "614"},
	{"Cleveland", "OH", "441", "216"}, {"Detroit", "MI", "482", "313"},
	{"Ann Arbor", "MI", "481", "734"}, {"St. Louis", "MO", "631", "314"},
	{"Kansas City", "MO", "641", "816"}, {"Minneapolis", "MN", "554", "612"},
	{"Des Moines", "IA", "503", "515"}, {"Omaha", "NE", "681", "402"},
	{"Louisville", "KY", "402", "502"}, {"Nashville", "TN", "372", "615"},
	{"Atlanta", "GA", "303", "404"}, {"Phoenix", "AZ", "850", "602"},
	{"Albuquerque", "NM", "871", "505"}, {"Denver", "CO", "802", "303"},
	{"Austin", "TX", "787", "512"}, {"Houston", "TX", "770", "713"},
	{"San Antonio", "TX", "782", "210"}, {"Boston", "MA", "021", "617"},
	{"Worcester", "MA", "016", "508"}, {"Providence", "RI", "029", "401"},
	{"Hartford", "CT", "061", "860"}, {"Newark", "NJ", "071", "973"},
	{"Brooklyn", "NY", "112", "718"}, {"Buffalo", "NY", "142", "716"},
	{"Philadelphia", "PA", "191", "215"}, {"Pittsburgh", "PA", "152", "412"},
	{"Baltimore", "MD", "212", "410"}, {"Richmond", "VA", "232", "804"},
	{"Raleigh", "NC", "276", "919"}, {"Charlotte", "NC", "282", "704"},
	{"Orlando", "FL", "328", "407"}, {"Miami", "FL", "331", "305"},
	{"Seattle", "WA", "981", "206"}, {"Portland", "OR", "972", "503"},
	{"Sacramento", "CA", "958", "916"}, {"San José", "CA", "951", "408"},
}

var streetNames = [...]string{
	"Main St", "Oak Ave", "Maple Dr", "Washington Blvd", "Lake Shore Dr", "Park Ave",
	"Medical Center Pkwy", "Elm St", "Cedar Ln", "Hospital Dr", "Broadway",
	"Jefferson Ave", "Lincoln Way", "University Ave", "Riverside Dr", "Market St",
}

var timezones = [...]string{
	"America/Chicago", "America/New_York", "America/Denver", "America/Phoenix",
	"America/Los_Angeles",
}

var facilityNames = [...]string{
	"Main Campus", "North Clinic", "Westside Family Health", "Downtown Medical Office",
	"Lakeview Specialty Center",
}

var weekdays = [...]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}

// Failure reasons for a referral.failed event. Each names only what the
// referral has: a provider reason needs a provider on that side (not "0").
var (
	// failureReasons may fail any referral (the first is the page's own).
	failureReasons = [...]string{
		"Unable to create referral in eCW. ECW rejected the request or returned an unexpected response.",
		"eCW session expired while creating the referral.",
		"Timed out waiting for eCW to confirm the referral.",
		"eCW is unavailable (scheduled maintenance). Try again later.",
		"eCW reported that the patient record is locked by another user.",
	}
)

// Reasons naming one side's provider.
const (
	fromReason = "The referring provider is inactive in eCW."
	toReason   = "The receiving provider does not accept referrals in eCW."
)

// failureReason picks a reason that fits ref.
func (s *Server) failureReason(ref *referral) string {
	reasons := failureReasons[:]
	if ref.FromProviderEHRID != api.NoProvider {
		reasons = append(reasons[:len(reasons):len(reasons)], fromReason)
	}
	if ref.ToProviderEHRID != api.NoProvider {
		reasons = append(reasons[:len(reasons):len(reasons)], toReason)
	}
	return reasons[s.intn(len(reasons))]
}
