package state

// CONTRACT STUB (issue 4): the facade the UI, serve and the scriptable
// commands use. Replace the bodies, keep the signatures (add as needed).

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"refdesk/api"
)

// Directory names one synced directory.
type Directory string

// The three synced directories.
const (
	Patients           Directory = "patients"
	Providers          Directory = "providers"
	ReferringProviders Directory = "referring_providers"
)

// Options configures a Desk.
type Options struct {
	Path        string      // the SQLite file (created 0600, its folder 0700)
	Client      *api.Client // Cobalt or the sandbox
	Logger      *slog.Logger
	Now         func() time.Time
	Grace       time.Duration // Processing with no event this long is polled (default 5s)
	PollHorizon time.Duration // then "no answer yet" for a person (default 3m)
	ReadOnly    bool          // a second process reading (refdesk referrals)
}

// SyncProgress reports a sync under way.
type SyncProgress struct {
	Directory   Directory
	Done, Total int
}

// SyncReport says what a sync changed.
type SyncReport struct {
	Counts  map[Directory]int // rows now in each directory
	Changed map[Directory]int // rows added, changed or removed
	Took    time.Duration
}

// Filter selects referrals.
type Filter struct {
	Status []Status
	Since  time.Time
	Limit  int
}

// Desk is one process's state: store, indexes, hub, reconciler.
type Desk struct{}

var errTODO = errors.New("not implemented yet")

// Open opens (creating and migrating) the store, loads the indexes from the
// cache, and marks referrals left in Submitting by a crash as Unknown.
func Open(ctx context.Context, opt Options) (*Desk, error) { return nil, errTODO }

// Close releases the store.
func (d *Desk) Close() error { return nil }

// Index is the shared in-memory index of a directory.
func (d *Desk) Index(dir Directory) *Index { return nil }

// SyncedAt is when dir was last synced (zero if never).
func (d *Desk) SyncedAt(dir Directory) time.Time { return time.Time{} }

// Sync refreshes the three directories; a failure keeps the old cache.
func (d *Desk) Sync(ctx context.Context, progress func(SyncProgress)) (SyncReport, error) {
	return SyncReport{}, errTODO
}

// Check validates in before sending: Cobalt's own rules and messages
// (api.ReferralRequest.Validate), and that the patient and both providers
// are known in the directories the direction requires.
func (d *Desk) Check(in ReferralInput) error { return errTODO }

// FindDuplicate returns a referral for the same patient, to-provider and
// reason sent within 24 hours, if any.
func (d *Desk) FindDuplicate(ctx context.Context, in ReferralInput) (*Referral, error) {
	return nil, errTODO
}

// Submit writes the referral (Submitting), posts it, and records the answer:
// Processing, NotSent (never left), Unknown (answer lost) or Failed (Cobalt
// refused it, with its message). Documents are read from their paths.
func (d *Desk) Submit(ctx context.Context, user string, in ReferralInput) (Referral, error) {
	return Referral{}, errTODO
}

// ApplyEvent applies a webhook or polled event idempotently.
func (d *Desk) ApplyEvent(ctx context.Context, ev api.Event) error { return errTODO }

// Referrals lists referrals, newest first.
func (d *Desk) Referrals(ctx context.Context, f Filter) ([]Referral, error) { return nil, errTODO }

// Get returns one referral with its transitions, oldest first.
func (d *Desk) Get(ctx context.Context, id int64) (Referral, []Transition, error) {
	return Referral{}, nil, errTODO
}

// Subscribe delivers every referral change until ctx ends.
func (d *Desk) Subscribe(ctx context.Context) <-chan Change { return nil }

// SaveDraft keeps user's form as typed; LoadDraft offers it back.
func (d *Desk) SaveDraft(ctx context.Context, user string, in ReferralInput) error { return errTODO }

// LoadDraft returns user's saved draft, if any, and when it was saved.
func (d *Desk) LoadDraft(ctx context.Context, user string) (ReferralInput, time.Time, bool, error) {
	return ReferralInput{}, time.Time{}, false, errTODO
}

// DiscardDraft forgets user's draft (after a submit, or when declined).
func (d *Desk) DiscardDraft(ctx context.Context, user string) error { return errTODO }

// Reconcile polls for referrals whose webhook has not come, until ctx ends.
// Run it once per process.
func (d *Desk) Reconcile(ctx context.Context) {}

// Audit records who did what.
func (d *Desk) Audit(ctx context.Context, user, action, detail string) error { return errTODO }

// FindPatientsRemote asks Cobalt (GET /v1/patients) when a patient is not
// in the local cache; found patients are added to the cache and the index.
func (d *Desk) FindPatientsRemote(ctx context.Context, q api.PatientQuery) ([]api.Patient, error) {
	return nil, errTODO
}
