// Package e2e tests the real refdesk binary from the outside, as a front
// desk uses it: built once per `go test` run (without -race: the race
// detector applies to the test binary only), started with its data in a
// temporary directory, and driven through a terminal.
//
//   - The desk in a terminal (issue 5): `refdesk` on the embedded sandbox in
//     a tmux session of fixed size, filled in with tmux send-keys as a person
//     types, submitted, and watched in the live pane until one referral is
//     Completed and another Failed with Cobalt's reason (tui_test.go).
//   - `refdesk serve` (issue 6): golang.org/x/crypto/ssh clients with PTYs
//     read the screen through a small terminal emulator (vt_test.go): two
//     desks see one referral reach Completed, a desk dropped mid-form gets
//     its draft back, SIGTERM tells the desks and exits 0; OpenSSH's client
//     in tmux gets the form (serve_test.go, openssh_test.go).
//   - Speed (issue 6): 50 SSH sessions over a 100,000-entry directory, the
//     server's resident memory and the time from the sandbox's webhook to
//     each of the 50 screens (load_test.go; BenchmarkServe50Sessions, or
//     TestServe50Sessions with REFDESK_E2E_LOAD=1).
//   - `refdesk setup --accessible` (issue 18) in tmux against `refdesk
//     sandbox` over HTTP: a refused secret asked again, then every step to
//     the written files, no secret on the screen (setup_test.go).
//
// Tests that need tmux or ssh skip with a message when they are missing
// (.ci/run installs both). The package has no non-test code.
package e2e
