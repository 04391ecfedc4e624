// Package hostile holds tests only: the desk's edges under hostile input
// (issue 8). The webhook receiver as serve runs it (api.NewWebhookServer on
// a loopback listener, events applied to a real state.Desk on SQLite, fed by
// the sandbox over HTTP) is sent oversized, slow, malformed, unsigned,
// replayed, forged (1 MB of JSON signed with zeros), re-headed and concurrent
// deliveries; referrals carry 100 documents, empty ones, ones without an
// extension and a 30 MB one. SSH, the documents
// folder and the screen have their hostile tests beside their code
// (serve/hostile_test.go, docroot/hostile_test.go, ui/hostile_test.go).
package hostile
