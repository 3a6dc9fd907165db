package emulator

import "sync"

// requestLog keeps every request served, so tests can assert how a client behaved (how many
// retries, which calls went into a batch) rather than only what it returned.
type requestLog struct {
	mu      sync.Mutex
	entries []Request
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	l.entries = append(l.entries, r)
	l.mu.Unlock()
}

// Requests returns the requests served so far, oldest first. Batch sub-requests appear with
// InBatch set, before the $batch request that carried them.
func (e *Emulator) Requests() []Request {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return append([]Request(nil), e.log.entries...)
}

// ResetRequests empties the request log.
func (e *Emulator) ResetRequests() {
	e.log.mu.Lock()
	e.log.entries = nil
	e.log.mu.Unlock()
}
