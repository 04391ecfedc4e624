package state

import (
	"context"
	"testing"

	"refdesk/api/sandbox"
)

// BenchmarkSync measures a full sync of the sandbox's default clinic (150
// providers, 5,000 referring providers, 2,000 patients) over real HTTP into
// SQLite, indexes included.
func BenchmarkSync(b *testing.B) {
	e := newEnv(b, envOpts{noSync: true,
		sandbox: sandbox.Options{Providers: 150, ReferringProviders: 5000, Patients: 2000}})
	for b.Loop() {
		if _, err := e.d.Sync(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
	}
}
