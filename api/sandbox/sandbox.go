// Package sandbox is a faithful fake of Cobalt's API for demos and tests:
// the same endpoints under /v1, the same shapes, validation and messages,
// a generated clinic-sized directory, asynchronous referral jobs that
// deliver signed webhooks, and knobs for faults (failures, latency, 5xx,
// slow answers, dropped, duplicated, reordered and early webhooks).
//
// A Server is an http.Handler; wrap it in httptest.NewServer in tests or an
// http.Server for `refdesk sandbox`. Everything is per Server: no package
// state, and a seeded random source guarded by a mutex.
//
// Where Cobalt's pages are silent the sandbox chooses, and says so here:
//   - Wrong client_id/client_secret: 401 "Invalid client_id or client_secret."
//     (checked before the access token, whose 401 is the page's "User not found.").
//   - Validation, patient and provider refusals are all 400; a body past
//     25 MB (api.MaxRequestBytes) is 413 "Request body too large. The limit is 25 MB.";
//     malformed JSON is 400 "Invalid JSON in request body.".
//   - Both providers unknown: both listed, from-side first, joined by "; ".
//   - A diagnosis code that is not a billable ICD-10-CM code (Options.Codes)
//     is queued like any referral, and its job ends in referral.failed with
//     "Unable to create referral in eCW. eCW rejected diagnosis code 'X': …",
//     as eCW would refuse it; no random failure then.
//   - The page's documents example ("JVBERi0xLjQKJ...") is refused: its
//     elided content is not valid base64, which the page's own rule forbids.
//   - GET /v1/webhook-events lists items under "events"; one item per
//     (event, registered URL); delivery_status is "pending" while delivery
//     is under way, then "success" or "failed" ("failed" too when no URL is
//     registered, with webhook_url null, or when the drop fault ate it).
//   - POST /v1/webhook is idempotent per URL (same id and secret) and takes
//     HTTPS, or plain HTTP to localhost/127.0.0.1/::1.
//   - Job ids start from a clock-derived base, referral and event ids come
//     from crypto/rand: a restarted sandbox never reuses them.
package sandbox

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"refdesk/icd10"
)

// Options configures a sandbox. Zero values take the defaults noted.
type Options struct {
	Seed               int64 // directory and fault randomness (0 is a valid seed)
	Providers          int   // default 150
	ReferringProviders int   // default 5000; 1,000,000 is fine (rows are computed on demand)
	Patients           int   // default 2000

	// Credentials the three headers must carry; each defaults to "sandbox".
	ClientID, ClientSecret, AccessToken string

	// FailureRate is the share of jobs that end in referral.failed. Nil
	// means the default 0.1; use Rate(0) for none.
	FailureRate *float64
	// DelayMin/DelayMax bound a job's duration (defaults 1s and 4s when
	// both are zero; DelayMax < DelayMin is raised to DelayMin).
	DelayMin, DelayMax time.Duration

	Faults Faults
	// SlowAnswerDelay is how long a POST /v1/referrals picked by
	// Faults.SlowAnswers holds its answer (default DefaultSlowAnswerDelay).
	SlowAnswerDelay time.Duration

	// WebhookURL, when set, is registered at start with WebhookSecret (a
	// random whsec_ secret when empty; see WebhookSecret()).
	WebhookURL, WebhookSecret string
	// PrivateWebhooks keeps the webhook registrations and their secrets
	// in-process (RegisterWebhook, Webhooks): GET, POST and DELETE
	// /v1/webhook answer 403. refdesk sets it on the sandbox it embeds,
	// whose loopback port any local process can reach.
	PrivateWebhooks bool

	Logger *slog.Logger     // nil: discard. Never given PHI or secrets.
	Now    func() time.Time // nil: time.Now

	// Codes is the diagnosis code set eCW knows (nil: icd10.Embedded): a
	// referral with a code outside it ends in referral.failed.
	Codes *icd10.Set
}

// Faults are the run-time knobs, each a share from 0 to 1.
type Faults struct {
	ErrorRate         float64 // requests answered 500 (nothing done)
	DropWebhooks      float64 // events recorded but never delivered
	DuplicateWebhooks float64 // events delivered twice
	ReorderWebhooks   float64 // events held and delivered after the next one
	EarlyWebhooks     float64 // job done and webhook sent before the POST's answer
	// SlowAnswers is the share of accepted POST /v1/referrals whose
	// referral is created and queued at once but whose answer is held for
	// Options.SlowAnswerDelay (or until the client hangs up): a client
	// with a shorter timeout sees a request that left and got no answer.
	SlowAnswers float64
	// AttachmentFailures is the share of documents whose attachment fails
	// at random; a document whose file name contains "fail" always fails.
	AttachmentFailures float64
}

// Rate returns a pointer to r, for Options.FailureRate.
func Rate(r float64) *float64 { return &r }

// Server is the fake Cobalt. Safe for concurrent use.
type Server struct {
	opts Options
	dir  *Directory
	mux  *http.ServeMux
	log  *slog.Logger
	now  func() time.Time
	hc   *http.Client

	ctx    context.Context
	cancel context.CancelFunc
	jobs   sync.WaitGroup

	rmu sync.Mutex
	rnd *rand.Rand

	mu          sync.Mutex
	failureRate float64
	delayMin    time.Duration
	delayMax    time.Duration
	faults      Faults
	nextJob     int64
	nextEHR     int
	referrals   []*referral
	events      []*eventRecord
	webhooks    []*webhook
	nextHook    int
	held        *pendingDelivery // a reordered delivery waiting for the next
	attempts    int              // webhook delivery attempts made (all URLs)
}

// New builds a sandbox from opts.
func New(opts Options) *Server {
	if opts.Providers <= 0 {
		opts.Providers = 150
	}
	if opts.ReferringProviders <= 0 {
		opts.ReferringProviders = 5000
	}
	if opts.Patients <= 0 {
		opts.Patients = 2000
	}
	if opts.Codes == nil {
		opts.Codes = icd10.Embedded()
	}
	for _, c := range []*string{&opts.ClientID, &opts.ClientSecret, &opts.AccessToken} {
		if *c == "" {
			*c = "sandbox"
		}
	}
	s := &Server{
		opts: opts,
		dir:  NewDirectory(opts.Seed, opts.Providers, opts.ReferringProviders, opts.Patients),
		log:  opts.Logger,
		now:  opts.Now,
		hc: &http.Client{Timeout: 5 * time.Second, // Cobalt answers within 5 s or gives up
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		rnd:         rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed5a4db0c5)),
		failureRate: 0.1,
		faults:      opts.Faults,
		nextEHR:     123,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.FailureRate != nil {
		s.failureRate = *opts.FailureRate
	}
	s.SetDelay(opts.DelayMin, opts.DelayMax)
	// Job ids grow from a base taken from the clock, so a sandbox restarted
	// against the same desk database does not reuse the last run's ids.
	s.nextJob = 10000 + s.now().Unix()%90_000_000
	// EHR ids likewise, so two runs' referrals never show the same one.
	s.nextEHR = 123 + int(s.now().Unix()%1_000_000)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if opts.WebhookURL != "" {
		s.addWebhook(opts.WebhookURL, opts.WebhookSecret)
	}
	s.routes()
	return s
}

// Directory is the server's generated directory.
func (s *Server) Directory() *Directory { return s.dir }

// Credentials returns the client id, client secret and access token the
// server accepts (not secrets: print them at start).
func (s *Server) Credentials() (clientID, clientSecret, accessToken string) {
	return s.opts.ClientID, s.opts.ClientSecret, s.opts.AccessToken
}

// SetFaults replaces the fault knobs at run time.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Faults returns the fault knobs in force (change one field, then
// SetFaults).
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// SetFailureRate sets the share of jobs that end in referral.failed.
func (s *Server) SetFailureRate(r float64) {
	s.mu.Lock()
	s.failureRate = r
	s.mu.Unlock()
}

// SetDelay sets the job duration range (both zero: the 1s-4s default).
func (s *Server) SetDelay(lo, hi time.Duration) {
	if lo == 0 && hi == 0 {
		lo, hi = time.Second, 4*time.Second
	}
	s.mu.Lock()
	s.delayMin, s.delayMax = lo, max(hi, lo)
	s.mu.Unlock()
}

// Close stops pending jobs and deliveries and waits for their goroutines.
// Jobs not finished are dropped (no event). Safe to call more than once.
func (s *Server) Close() {
	s.cancel()
	s.jobs.Wait()
}

// chance draws from the server's seeded source.
func (s *Server) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	return s.rnd.Float64() < p
}

// intn draws an int in [0, n) from the server's seeded source.
func (s *Server) intn(n int) int {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	return s.rnd.IntN(n)
}

func (s *Server) knobs() (Faults, float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults, s.failureRate
}
