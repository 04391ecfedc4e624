// Package cli is refdesk's command line: it parses flags and environment,
// wires api, state and ui together, and runs one subcommand. It holds the
// wiring, not the logic.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Version is refdesk's version, shown by --version and sent in User-Agent.
const Version = "0.1.0"

// Exit codes, the same for every subcommand (see --help and the README).
const (
	ExitOK          = 0
	ExitFailed      = 1 // a referral failed
	ExitUsage       = 2 // bad input
	ExitUnreachable = 3 // Cobalt unreachable or refused the credentials
)

// IO is what a command reads and writes.
type IO struct {
	Env    []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	ctx context.Context // tests stop long-running commands with it; nil: Background
}

func (cio IO) context() context.Context {
	if cio.ctx != nil {
		return cio.ctx
	}
	return context.Background()
}

type command struct {
	name    string
	summary string
	run     func(cio IO, args []string) int
}

func commands() []command {
	return []command{
		{"run", "the referral desk in this terminal (the default)", runTUI},
		{"serve", "serve the desk to many workstations over SSH and receive webhooks", runServe},
		{"sandbox", "run the embedded sandbox alone, as an HTTP server like Cobalt", runSandbox},
		{"submit", "send referrals from a JSON file without a screen", runSubmit},
		{"referrals", "list this desk's referrals (table, JSON or CSV)", runReferrals},
		{"sync", "refresh providers, referring providers and patients", runSync},
		{"backup", "copy the database while serve runs (0600, checked)", runBackup},
		{"setup", "set up a clinic step by step: credentials, folders, webhook, desks", runSetup},
		{"desks", "list, add or remove the desks allowed to connect (authorized_keys)", runDesks},
		{"doctor", "check the set-up without changing it (credentials, webhook, folders, clock)", runDoctor},
		{"codes", "look up ICD-10-CM diagnosis codes; load a newer code set", runCodes},
	}
}

// Main runs refdesk with args (without the program name) and returns the
// process's exit code.
func Main(args, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cio := IO{Env: env, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) > 0 {
		switch args[0] {
		case "-h", "--help", "-help", "help":
			usage(stdout)
			return ExitOK
		case "-v", "--version", "-version", "version":
			if len(args) > 1 && (args[1] == "--json" || args[1] == "-json") {
				return versionJSON(env, stdout)
			}
			fmt.Fprintf(stdout, "refdesk %s\n", Version)
			return ExitOK
		}
		for _, c := range commands() {
			if args[0] == c.name {
				return c.run(cio, args[1:])
			}
		}
		if !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "refdesk: unknown command %q. Run 'refdesk --help' to see the commands.\n", args[0])
			return ExitUsage
		}
	}
	return runTUI(cio, args)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "refdesk %s: turn faxed and phoned-in referrals into referrals in the EHR through Cobalt.\n\n", Version)
	fmt.Fprintln(w, "Usage:\n  refdesk [command] [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'refdesk COMMAND --help' for a command's flags.

With no Cobalt credentials, refdesk runs on an embedded sandbox with synthetic
data. Credentials come from the environment or DATA-DIR/credentials (0600,
written by 'refdesk setup'), never from flags (they would show in 'ps'):
  COBALT_CLIENT_ID, COBALT_CLIENT_SECRET, COBALT_ACCESS_TOKEN,
  COBALT_WEBHOOK_SECRET, COBALT_BASE_URL (default https://api.usecobalt.com/v1),
  REFDESK_DATA_DIR (default: the user's data directory).

Exit codes: 0 ok, 1 a referral failed, 2 bad input, 3 Cobalt unreachable or
refused the credentials.
`)
}

// newFlags makes a subcommand's flag set whose --help prints to stdout and
// whose errors say what to do. Every command also takes --version.
func newFlags(cio IO, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(cio.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(cio.Stdout, "Usage: refdesk %s\n\n", synopsis)
		fs.SetOutput(cio.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(cio.Stderr)
	}
	fs.Var(&versionFlag{w: cio.Stdout}, "version", "print refdesk's version and exit")
	return fs
}

// versionFlag is --version: a boolean that remembers where to print.
type versionFlag struct {
	w   io.Writer
	set bool
	say func(io.Writer) // what a command prints instead of refdesk's version
}

func (v *versionFlag) String() string {
	if v == nil || !v.set {
		return "false"
	}
	return "true"
}

func (v *versionFlag) Set(s string) error {
	b, err := strconv.ParseBool(s)
	v.set = b
	return err
}

func (v *versionFlag) IsBoolFlag() bool { return true }

// parse parses args the way people type them: flags may come before,
// between or after the arguments (`submit referral.json --wait`); a lone
// "--" ends the flags, so a file named "-x" can still be given after it.
// Afterwards fs.Args() holds the arguments in their order. done reports
// that the command must return code now (help or the version was asked
// for, or the flags were wrong).
func parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitOK, true
			}
			return ExitUsage, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave the arguments in fs.Args() for the command.
	_ = fs.Parse(append([]string{"--"}, positional...))
	if f := fs.Lookup("version"); f != nil {
		if v, ok := f.Value.(*versionFlag); ok && v.set {
			if v.say != nil {
				v.say(v.w)
			} else {
				fmt.Fprintf(v.w, "refdesk %s\n", Version)
			}
			return ExitOK, true
		}
	}
	return 0, false
}

// noArgs refuses arguments to a command that takes none, naming the first.
func noArgs(cio IO, fs *flag.FlagSet) (code int, done bool) {
	if fs.NArg() == 0 {
		return 0, false
	}
	fmt.Fprintf(cio.Stderr, "refdesk %s: unexpected argument %q: this command takes only flags (see refdesk %s --help)\n",
		fs.Name(), fs.Arg(0), fs.Name())
	return ExitUsage, true
}
