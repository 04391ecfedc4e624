package state

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"refdesk/api"
)

// BenchmarkApplyEvent stores and applies webhook events from parallel
// goroutines (a webhook receiver's handlers) on one Desk: each op is one
// new event for one of 200 referrals sent, the store's share of the
// webhook budget (≥ 1,000 verified and stored events/s). It reports
// events/s.
func BenchmarkApplyEvent(b *testing.B) {
	ctx := context.Background()
	d := openTest(b, Options{})
	const refs = 200
	for i := range refs {
		id := outbox(b, d, sampleInput())
		ref := fmt.Sprintf("ref-%d", i)
		if _, err := d.record(ctx, id, api.CreateReferralResponse{Success: true, ReferralID: ref, JobID: api.JobID(fmt.Sprint(i))}, nil); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			ref := fmt.Sprintf("ref-%d", i%refs)
			// The first completes the referral; later ones are stored
			// and recorded as changing nothing, as Cobalt's repeats are.
			ev := event(fmt.Sprintf("bench-%d", i), api.EventReferralCreated, "", eventData(ref))
			if err := d.ApplyEvent(ctx, ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
