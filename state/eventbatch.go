package state

import (
	"context"
	"database/sql"
	"errors"
	"slices"
)

// Group commit for webhook events. A webhook event's transaction is mostly
// overhead (BEGIN, the relaxed commit, COMMIT, the change feed's note): on
// PostgreSQL one event per transaction held a node below 1,000 events/s.
// So the events that arrive while a write is running queue, and the next
// write stores up to maxEventBatch of them in one transaction, each with
// the statements it had alone. A lone event waits for nobody: the batch is
// what queued meanwhile, never a timer.
//
// Each caller still gets its own answer after the commit: duplicate or
// not, and its own error. An event whose statements fail (other than the
// database asking to retry: the whole batch is then run again, as any
// write) fails alone: the transaction is rolled back and the batch run
// again without it. Changes reach the hub after the commit, in commit
// order, as every write's (writeAndPublish); a referral two events of one
// batch changed is published once, as the batch left it.

// maxEventBatch bounds the events one transaction stores, so that the last
// caller of a full batch does not wait long for its answer.
const maxEventBatch = 64

// eventQueue is a Desk's webhook events waiting for a write.
type eventQueue struct {
	jobs    []*eventJob
	leading bool // a goroutine is running batches until the queue is empty
}

// batchEvent stores j with the events queued with it and returns j's error.
// It returns early with ctx's error if ctx ends first; the event may still
// be stored then (a duplicate when Cobalt delivers it again).
func (d *Desk) batchEvent(j *eventJob) error {
	if d.st.ro {
		return ErrReadOnly
	}
	j.done = make(chan struct{})
	d.evMu.Lock()
	d.evq.jobs = append(d.evq.jobs, j)
	lead := !d.evq.leading
	d.evq.leading = true
	d.evMu.Unlock()
	if lead {
		d.leadEvents()
	}
	select {
	case <-j.done:
		return j.err
	case <-j.ctx.Done():
		return j.ctx.Err()
	}
}

// leadEvents runs one batch, then hands the queue to a new goroutine if
// events arrived meanwhile, so that its caller is answered now.
func (d *Desk) leadEvents() {
	d.runEventBatch()
	d.evMu.Lock()
	more := len(d.evq.jobs) > 0
	if !more {
		d.evq.leading = false
	}
	d.evMu.Unlock()
	if more {
		go d.leadEvents()
	}
}

// takeEvents takes up to maxEventBatch events off the queue, answering
// those whose callers have gone.
func (d *Desk) takeEvents() []*eventJob {
	d.evMu.Lock()
	n := min(len(d.evq.jobs), maxEventBatch)
	taken := slices.Clone(d.evq.jobs[:n])
	clear(d.evq.jobs[:n])
	d.evq.jobs = d.evq.jobs[n:]
	if len(d.evq.jobs) == 0 {
		d.evq.jobs = nil
	}
	d.evMu.Unlock()
	batch := taken[:0]
	for _, j := range taken {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			close(j.done)
			continue
		}
		batch = append(batch, j)
	}
	return batch
}

// eventFailed is event i of a batch failing on its own.
type eventFailed struct {
	i   int
	err error
}

func (e *eventFailed) Error() string { return e.err.Error() }

// runEventBatch stores one batch in one transaction and answers its
// callers.
func (d *Desk) runEventBatch() {
	// The callers' contexts are checked when the batch is taken; the
	// transaction is everyone's, so no one caller's context ends it.
	ctx := context.Background()
	var batch []*eventJob
	taken := false
	for {
		var changed []int64
		err := d.writeAndPublish(ctx, &changed, func(tx *sql.Tx) error {
			if !taken {
				// Taken under the write lock: everything that queued
				// while the previous write ran joins.
				batch, taken = d.takeEvents(), true
			}
			if len(batch) == 0 {
				return nil
			}
			if err := d.st.relaxCommit(ctx, tx); err != nil {
				return err
			}
			for i, j := range batch {
				if err := d.storeEvent(ctx, tx, j, &changed); err != nil {
					if retryable(err) {
						return err // the whole batch again (store.write)
					}
					return &eventFailed{i: i, err: err}
				}
			}
			return nil
		})
		if !taken {
			// The transaction did not start: the batch shares its error.
			batch, taken = d.takeEvents(), true
		}
		var ef *eventFailed
		if errors.As(err, &ef) {
			j := batch[ef.i]
			j.err = ef.err
			close(j.done)
			batch = slices.Delete(batch, ef.i, ef.i+1)
			if len(batch) > 0 {
				continue // the others, without it
			}
			return
		}
		for _, j := range batch {
			j.err = err
			close(j.done)
		}
		return
	}
}
