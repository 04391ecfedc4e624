package cli

// Subcommands whose issue has not landed: they parse their flags (so --help
// works) and then say plainly they are not available, exiting non-zero.

func stub(io IO, args []string, name, synopsis, issue string) int {
	cfg := loadConfig(io.Env)
	fs := newFlags(io, name, synopsis)
	cfg.bindFlags(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	return notYet(io, name, issue)
}

func runServe(io IO, args []string) int {
	return stub(io, args, "serve", "serve [flags]  (not available yet)", "issue 6")
}
func runSubmit(io IO, args []string) int {
	return stub(io, args, "submit", "submit FILE|- [flags]  (not available yet)", "issue 7")
}
func runReferrals(io IO, args []string) int {
	return stub(io, args, "referrals", "referrals [flags]  (not available yet)", "issue 7")
}
func runSync(io IO, args []string) int {
	return stub(io, args, "sync", "sync [flags]  (not available yet)", "issue 7")
}
