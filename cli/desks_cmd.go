package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// runDesks lists, adds and removes desks in the authorized_keys file that
// refdesk serve reads (serve reloads it by itself).
func runDesks(cio IO, args []string) int {
	const synopsis = "desks list [--json] | desks add NAME KEY.pub|- | desks remove NAME|FINGERPRINT  [flags]"
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "desks", synopsis)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "refdesk's data directory (env REFDESK_DATA_DIR)")
	keys := fs.String("authorized-keys", "", "the desks' authorized_keys file (default: refdesk.toml's, else DATA-DIR/authorized_keys)")
	asJSON := fs.Bool("json", false, "list as JSON")
	if code, done := parse(fs, args); done {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(cio.Stderr, "refdesk desks: "+format+"\n", a...)
		return code
	}
	if *keys == "" {
		st, err := readSettings(cfg.DataDir)
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		*keys = st.AuthorizedKeys
		if *keys == "" {
			*keys = filepath.Join(cfg.DataDir, "authorized_keys")
		}
	}
	rest := fs.Args()
	switch {
	case sub == "list" && len(rest) == 0:
		desks, _, err := readDesks(*keys)
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		if *asJSON {
			if desks == nil {
				desks = []desk{}
			}
			enc := json.NewEncoder(cio.Stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(desks)
			return ExitOK
		}
		if len(desks) == 0 {
			fmt.Fprintf(cio.Stdout, "No desks in %s yet: add one with 'refdesk desks add NAME KEY.pub'.\n", *keys)
			return ExitOK
		}
		fmt.Fprintf(cio.Stdout, "Desks allowed by %s:\n%s", *keys, formatDesks(desks))
		return ExitOK
	case sub == "add" && len(rest) == 2:
		var data []byte
		var err error
		if rest[1] == "-" {
			data, err = io.ReadAll(io.LimitReader(cio.Stdin, 64<<10))
		} else {
			data, err = os.ReadFile(rest[1])
		}
		if err != nil {
			return fail(ExitUsage, "cannot read the public key: %v", err)
		}
		existing, _, err := readDesks(*keys)
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		line, d, err := deskLine(rest[0], string(data), existing)
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		if err := addDeskLines(*keys, []string{line}); err != nil {
			return fail(ExitFailed, "%v", err)
		}
		fmt.Fprintf(cio.Stdout, "Added desk %s (%s %s) to %s.\nCompare this fingerprint with the desk's own: ssh-keygen -lf KEY.pub\n", d.Name, d.Type, d.Fingerprint, *keys)
		return ExitOK
	case sub == "remove" && len(rest) == 1:
		d, err := removeDesk(*keys, rest[0])
		if err != nil {
			return fail(ExitUsage, "%v", err)
		}
		fmt.Fprintf(cio.Stdout, "Removed desk %s (%s) from %s. A running refdesk serve lets it in no more; a session open now keeps going until it ends.\n", d.Name, d.Fingerprint, *keys)
		return ExitOK
	}
	return fail(ExitUsage, "usage: refdesk %s", synopsis)
}
