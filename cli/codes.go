package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"refdesk/icd10"
)

const codesSynopsis = `codes QUERY... [flags]
       refdesk codes --version
       refdesk codes import FILE [--year YYYY]

QUERY is words of a description ("essential hypert", prefixes are fine) or the
start of a code ("I10", "z87.3"). Prints the best matches, CODE then description,
billable codes first; a category (not billable) shows how many codes it holds.

import loads a newer code set into the data directory: CMS's order file
(icd10cm-order-YYYY.txt) or CODE<TAB>DESCRIPTION<TAB>BILLABLE lines. The fiscal
year comes from the file's name, or --year. The newest set loaded is used; a bad
file is refused whole, with its line number.

Flags:`

// codeRow is one match of `refdesk codes --json`.
type codeRow struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Billable    bool   `json:"billable"`
	Codes       int    `json:"codes,omitempty"` // for a category: how many billable codes it holds
}

// runCodes looks codes up, says which set is in use, or imports one.
func runCodes(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "codes", codesSynopsis)
	cfg.bindFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", 20, "at most this many matches")
	// --version here also says which code set is in use.
	fs.Lookup("version").Usage = "print refdesk's version and the code set in use"
	fs.Lookup("version").Value.(*versionFlag).say = func(w io.Writer) {
		fmt.Fprintf(w, "refdesk %s\n", Version)
		set, err := icd10.Open(cfg.DataDir)
		if err != nil {
			fmt.Fprintf(cio.Stderr, "refdesk codes: %v\n", err)
		}
		fmt.Fprintln(w, set.Version())
	}
	year := fs.Int("year", 0, "with import: the fiscal year of FILE (default: from its name)")
	if code, done := parse(fs, args); done {
		return code
	}
	pos := fs.Args()
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(cio.Stderr, "refdesk codes: "+format+"\n", a...)
		return code
	}
	if len(pos) > 0 && pos[0] == "import" {
		if len(pos) != 2 {
			return fail(ExitUsage, "give one file: refdesk codes import icd10cm-order-2028.txt")
		}
		if err := ensureDataDir(cfg.DataDir); err != nil {
			return fail(ExitUsage, "%v", err)
		}
		set, err := icd10.Import(cfg.DataDir, pos[1], *year)
		if err != nil {
			return fail(ExitUsage, "%v. Nothing was loaded.", err)
		}
		fmt.Fprintf(cio.Stdout, "loaded %s\n", set.Version())
		inUse, err := icd10.Open(cfg.DataDir)
		if err != nil {
			return fail(ExitFailed, "%v", err)
		}
		if inUse.Year() != set.Year() {
			fmt.Fprintf(cio.Stdout, "in use: %s (newer); restart refdesk to use a new set\n", inUse.Name())
		} else {
			fmt.Fprintln(cio.Stdout, "in use from the next start of refdesk (restart `refdesk serve`)")
		}
		return ExitOK
	}
	set, err := icd10.Open(cfg.DataDir)
	if err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk codes: %v\n", err)
	}
	q := strings.TrimSpace(strings.Join(pos, " "))
	if q == "" {
		return fail(ExitUsage, "give words or a code to look up, e.g. refdesk codes essential hypertension (see --help)")
	}
	res := set.Search(q, max(1, *limit))
	rows := make([]codeRow, len(res.Matches))
	for i, m := range res.Matches {
		rows[i] = codeRow{Code: m.Code.Code, Description: m.Desc, Billable: m.Billable, Codes: m.Codes}
	}
	if *asJSON {
		enc := json.NewEncoder(cio.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rows)
	} else {
		tw := tabwriter.NewWriter(cio.Stdout, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			note := ""
			if !r.Billable {
				note = fmt.Sprintf("  [category: %d codes, not billable]", r.Codes)
			}
			fmt.Fprintf(tw, "%s\t%s%s\n", r.Code, clean(r.Description), note)
		}
		_ = tw.Flush()
		if res.Total > len(rows) {
			fmt.Fprintf(cio.Stderr, "%d of %d matches (--limit for more, or more words)\n", len(rows), res.Total)
		}
	}
	if len(rows) == 0 {
		msg := "no code matches “" + clean(q) + "” in " + set.Name()
		if _, err := set.Check(q); err != nil {
			var ce *icd10.CodeError
			if errors.As(err, &ce) && ce.Problem == icd10.NearMiss {
				msg = ce.Message
			}
		}
		return fail(ExitFailed, "%s", msg)
	}
	return ExitOK
}
