package sandbox

import (
	"strconv"
	"strings"
)

// Directory is the sandbox's generated clinic: providers, referring
// providers and patients. Rows are not stored: row i of each list is a pure
// function of (seed, i), computed on demand, so a directory of 1,000,000
// referring providers costs no memory and no start-up time, and row i is
// the same whatever the list's size. A Directory is immutable and safe for
// concurrent use.
//
// Fixed rows (the examples of Cobalt's pages) come first:
//   - providers[0] is "PROV-001";
//   - referring providers[0] is "PROV-002", [1] is "5521" (Alvarez, Maria,
//     Cardiology, Springfield IL, from API.md);
//   - patients[0] has MRN "1234567", patients[1] MRN "414421" (John Doe's
//     example row of API.md).
type Directory struct {
	seed                              uint64
	nProviders, nReferring, nPatients int
	clinic                            clinicInfo
}

type clinicInfo struct {
	timezone   string
	facilities []string
}

// Generated id ranges (EHR ids are numeric text, as eCW's are).
const (
	providerIDBase  = 20000   // providers[i].ehr_id = 20000+i for i ≥ 1
	referringIDBase = 100000  // referring[i].ehr_id = 100000+i for i ≥ 2
	mrnBase         = 2000000 // patients[i].mrn = 2000000+i for i ≥ 2
	patientEHRBase  = 500000  // a patient's internal ehr_id (filter only)
)

// Salts keep the three lists' random streams apart.
const (
	saltProvider  = 0x70726f76
	saltReferring = 0x72656672
	saltPatient   = 0x70617469
	saltClinic    = 0x636c696e
)

// NewDirectory returns the directory for seed with the given sizes. Sizes
// below the number of fixed example rows are raised to it (1 provider,
// 2 referring providers, 2 patients), so the page's examples always work.
func NewDirectory(seed int64, providers, referring, patients int) *Directory {
	d := &Directory{
		seed:       uint64(seed),
		nProviders: max(providers, 1),
		nReferring: max(referring, 2),
		nPatients:  max(patients, 2),
	}
	r := d.rng(saltClinic, 0)
	d.clinic.timezone = pick(&r, timezones[:])
	nf := 1 + r.intn(3)
	off := r.intn(len(facilityNames))
	for i := range nf {
		d.clinic.facilities = append(d.clinic.facilities, facilityNames[(off+i)%len(facilityNames)])
	}
	return d
}

// Sizes reports the number of providers, referring providers and patients.
func (d *Directory) Sizes() (providers, referring, patients int) {
	return d.nProviders, d.nReferring, d.nPatients
}

// rng64 is a splitmix64 stream: tiny, fast, and private to one row.
type rng64 struct{ s uint64 }

func (r *rng64) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng64) intn(n int) int        { return int(r.next() % uint64(n)) }
func (r *rng64) chance(p float64) bool { return float64(r.next()>>11)/(1<<53) < p }

func pick(r *rng64, list []string) string { return list[r.intn(len(list))] }

func (d *Directory) rng(salt uint64, i int) rng64 {
	r := rng64{s: d.seed ^ salt<<32 ^ uint64(i)*0xd1b54a32d192ed03}
	r.next()
	return r
}

// personName picks a first and last name, accented about 15% of the time.
func personName(r *rng64) (first, last string) {
	first = pick(r, firstNames[:])
	if r.chance(0.15) {
		first = pick(r, accentedFirstNames[:])
	}
	last = pick(r, lastNames[:])
	if r.chance(0.15) {
		last = pick(r, accentedLastNames[:])
	}
	return first, last
}

// hexID is a 32-hex-digit id (a UUID without dashes) from the stream.
func hexID(r *rng64) string {
	const hexDigits = "0123456789abcdef"
	var b [32]byte
	for h := 0; h < 2; h++ {
		v := r.next()
		for i := 15; i >= 0; i-- {
			b[h*16+i] = hexDigits[v&15]
			v >>= 4
		}
	}
	return string(b[:])
}

// pad appends v in at least width digits, zero-padded.
func pad(b []byte, v, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(v), 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// phone writes "AAA-EEE-NNNN" in the place's area code.
func phone(r *rng64, area string) string {
	b := make([]byte, 0, 12)
	b = append(b, area...)
	b = append(b, '-')
	b = pad(b, 200+r.intn(800), 3)
	b = append(b, '-')
	return string(pad(b, r.intn(10000), 4))
}

// NPI returns a valid 10-digit NPI for a 9-digit body (first digit 1 or 2).
func npiFor(body int) string {
	s := strconv.Itoa(body)
	return s + string(rune('0'+LuhnCheckDigit("80840"+s)))
}

func randomNPI(r *rng64) string { return npiFor(100000000 + r.intn(200000000)) }

// LuhnCheckDigit returns the Luhn check digit to append to payload (digits
// only). An NPI's check digit is LuhnCheckDigit("80840" + its first 9 digits).
func LuhnCheckDigit(payload string) int {
	sum := 0
	double := true // the digit left of the check digit is doubled
	for i := len(payload) - 1; i >= 0; i-- {
		v := int(payload[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return (10 - sum%10) % 10
}

// ValidNPI reports whether npi is 10 digits with a correct check digit.
func ValidNPI(npi string) bool {
	if len(npi) != 10 || strings.Trim(npi, "0123456789") != "" {
		return false
	}
	return LuhnCheckDigit("80840"+npi[:9]) == int(npi[9]-'0')
}

// digits keeps only the ASCII digits of s, dropping a leading US country
// code "1" from an 11-digit number, so phone numbers compare in any format.
func digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	out := b.String()
	if len(out) == 11 && out[0] == '1' {
		out = out[1:]
	}
	return out
}

// indexFor finds the row whose id is id: fixed rows first, then base+i for
// generated rows; the caller verifies the row (so "020005" is not "20005").
func indexFor(id string, fixed []string, base, n int) (int, bool) {
	for i, f := range fixed {
		if id == f {
			return i, i < n
		}
	}
	v, err := strconv.Atoi(id)
	if err != nil || strconv.Itoa(v) != id {
		return 0, false
	}
	i := v - base
	return i, i >= len(fixed) && i < n
}
