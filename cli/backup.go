package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"refdesk/state"
)

// runBackup copies the clinic's database while `refdesk serve` runs: one
// consistent snapshot, 0600, checked before it is reported.
func runBackup(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "backup", "backup [flags] FILE | backup --to-dir DIR [--keep N]")
	cfg.bindFlags(fs)
	cfg.bindDatabase(fs)
	toDir := fs.String("to-dir", "", "write refdesk-YYYYMMDDTHHMMSSZ.db into this folder (created 0700) instead of FILE")
	keep := fs.Int("keep", 7, "with --to-dir: keep this many newest backups there, delete older ones (0 keeps all)")
	sandboxDB := fs.Bool("sandbox", false, "back up the sandbox's database (sandbox.db) instead of the clinic's (refdesk.db)")
	if code, done := parse(fs, args); done {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(cio.Stderr, "refdesk backup: "+format+"\n", a...)
		return code
	}
	if cfg.DatabaseURL != "" {
		if err := checkDatabaseURL(cfg.DatabaseURL); err != nil {
			return fail(ExitUsage, "%v", err)
		}
		// PostgreSQL's own tool makes consistent copies. The URL may hold
		// a password, so it is not printed.
		return fail(ExitUsage, "the database is PostgreSQL (%s): back it up with pg_dump, e.g.\n"+
			`  pg_dump --format=custom --file=refdesk-$(date -u +%%Y%%m%%dT%%H%%M%%SZ).dump "$REFDESK_DATABASE_URL"`,
			redactDatabaseURL(cfg.DatabaseURL))
	}
	if *keep < 0 {
		return fail(ExitUsage, "--keep takes 0 (keep all) or more; got %d", *keep)
	}
	var dst string
	switch {
	case *toDir != "" && fs.NArg() == 0:
		if err := os.MkdirAll(*toDir, 0o700); err != nil {
			return fail(ExitUsage, "cannot create %s: %v", *toDir, err)
		}
	case *toDir == "" && fs.NArg() == 1:
		dst = fs.Arg(0)
	default:
		return fail(ExitUsage, "give one FILE to write, or --to-dir DIR (not both). Example: refdesk backup /var/backups/refdesk/refdesk.db")
	}
	name := "refdesk"
	if *sandboxDB {
		name = "sandbox"
	}
	src := filepath.Join(cfg.DataDir, name+".db")
	if *toDir != "" {
		dst = filepath.Join(*toDir, name+"-"+time.Now().UTC().Format("20060102T150405Z")+".db")
	}
	if abs, err := filepath.Abs(dst); err == nil && abs == mustAbs(src) {
		return fail(ExitUsage, "%s is the database itself: write the backup somewhere else", dst)
	}
	if _, err := os.Stat(src); err != nil {
		return fail(ExitUsage, "no database at %s: set --data-dir (or REFDESK_DATA_DIR) to serve's data directory", src)
	}
	rep, err := state.Backup(context.Background(), src, dst)
	if err != nil {
		return fail(ExitFailed, "%v", err)
	}
	fmt.Fprintf(cio.Stdout, "backed up %s to %s: %d referrals, %d drafts, schema %d, %d kB; integrity_check ok\n",
		src, rep.Path, rep.Referrals, rep.Drafts, rep.Schema, (rep.Bytes+1023)/1024)
	if *toDir != "" && *keep > 0 {
		removed, err := prune(*toDir, name+"-", *keep)
		for _, r := range removed {
			fmt.Fprintf(cio.Stdout, "removed the older backup %s\n", r)
		}
		if err != nil {
			return fail(ExitFailed, "the backup is written, but older ones could not be removed: %v", err)
		}
	}
	return ExitOK
}

func mustAbs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// prune deletes all but the keep newest PREFIX*.db files in dir (their
// names sort by time).
func prune(dir, prefix string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ".db") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var removed []string
	for len(names) > keep {
		p := filepath.Join(dir, names[0])
		if err := os.Remove(p); err != nil {
			return removed, err
		}
		removed = append(removed, p)
		names = names[1:]
	}
	return removed, nil
}
