// Package faultsuite holds no code: its tests prove, end to end, the
// desk's promise that no referral is lost or created twice and that every
// referral ends in a state a person can trust (issue 8, "Fault suite").
//
// The suite runs the real pieces over real HTTP: the sandbox (api/sandbox)
// with its fault knobs turned up (dropped, duplicated, reordered and early
// webhooks, slow POST answers past the client's timeout, 5xx answers), a
// state.Desk on a SQLite file in a temporary folder, webhooks received by
// api.WebhookHandler and applied with Desk.ApplyEvent, and the desk's
// reconciler. Twenty sessions submit referrals at once while the "process"
// is restarted mid-run, as a crash would: in-flight requests are cut, the
// store is closed and reopened on the same file with a new client, while
// the sandbox keeps running.
//
// At the end every referral must be Completed, Failed or flagged for a
// person; none may be missing; none may exist twice in the sandbox; and
// the desk's outcomes must match the sandbox's. `go test -short` runs 100
// referrals and one restart instead of 1,000 and two; the checks are the
// same.
package faultsuite
