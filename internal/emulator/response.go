package emulator

import (
	"bytes"
	"net/http"
)

// bufferedResponse holds a handler's answer until the emulator decides what happens to it:
// sent, delayed, lost, or carried inside a batch response. It also remembers what the
// request log records of it.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
	code   string // error code of a failed request
	fault  bool   // an injected fault produced the answer
}

func newBufferedResponse() *bufferedResponse { return &bufferedResponse{header: http.Header{}} }

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) statusCode() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// writeTo sends the answer to the client.
func (b *bufferedResponse) writeTo(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range b.header {
		h[k] = vs
	}
	w.WriteHeader(b.statusCode())
	// The client may have gone; there is no one left to report a write error to.
	_, _ = w.Write(b.body.Bytes())
}
