package cli

import (
	"context"
	"errors"
	"fmt"

	"refdesk/api"
	"refdesk/state"
)

// backendExit maps a failure to reach or use Cobalt to an exit code: 3 when
// Cobalt is unreachable or refused the credentials, 2 otherwise.
func backendExit(err error) int {
	var ae *api.Error
	if api.IsNotSent(err) || api.IsUnknownOutcome(err) || (errors.As(err, &ae) && (ae.Status == 401 || ae.Status == 403 || ae.Status >= 500)) {
		return ExitUnreachable
	}
	return ExitUsage
}

// neverSynced reports whether any directory has never been synced.
func neverSynced(d *state.Desk) bool { return d.DirectoriesSyncedAt().IsZero() }

// initialSync syncs the directories when this data directory has never
// synced them, so the first start is ready to use; later starts use the
// cache and sync on request.
func initialSync(ctx context.Context, b *backend, cio IO) error {
	if !neverSynced(b.desk) {
		return nil
	}
	fmt.Fprintln(cio.Stderr, "refdesk: first start here: syncing providers, referring providers and patients…")
	rep, err := b.desk.Sync(ctx, nil)
	if err != nil {
		return fmt.Errorf("the first directory sync failed: %w", err)
	}
	fmt.Fprintf(cio.Stderr, "refdesk: synced %d providers, %d referring providers, %d patients in %s\n",
		rep.Counts[state.Providers], rep.Counts[state.ReferringProviders], rep.Counts[state.Patients], rep.Took.Round(1e6))
	return nil
}
