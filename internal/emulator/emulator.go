package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/atomicfile"
)

// Options configure an emulator. The zero value is a usable emulator on a random local port.
type Options struct {
	Addr            string        // default "127.0.0.1:0" ("127.0.0.1:443" in hosts mode)
	CADir           string        // if set: load ca.pem/ca-key.pem there, or create them, so the CA survives restarts
	BootstrapSecret string        // default: random
	Latency         time.Duration // added to every request
	ReplicationLag  time.Duration // a new object is invisible to reads/assignments/tokens for this long
	FaultsFile      string        // optional JSON list of Fault
	// Cloud is the national cloud the tenant lives in: "" or "global" (the default),
	// "usgovernment" (GCC High), "dod" or "china". It decides Graph's and Exchange Online's
	// resource URIs and the host names the emulator also answers to (cloud.go).
	Cloud string
	// OnRequest, if set, is called after each request is served (also for batch items),
	// e.g. to print a request log as it happens. It must not block.
	OnRequest func(Request)
	// Tenants is how many tenants the emulator serves (0 or 1: one, Contoso). Each has its
	// own seed (bootstrap application, users); all share the URL, the token service and Graph,
	// which answer from the tenant a request names or its token is from (tenants.go).
	Tenants int
	// StateFile, if set, is where the directory's state (State) is written as JSON,
	// atomically, after every request that may change it and on Close (statefile.go).
	StateFile string
	// Hosts is hosts mode: the emulator stands in for the cloud's real hosts, which a
	// hosts-file entry points at it (hosts.go). Its certificate also covers the cloud's
	// Azure Resource Manager host, it listens on 127.0.0.1:443 unless Addr says otherwise,
	// and AuthorityHost and GraphEndpoint name the real hosts.
	Hosts bool
}

// Emulator is a running tenant emulator. Its methods are safe for concurrent use.
type Emulator struct {
	url      string
	ca       *authority
	caFile   string
	tempDir  string // removed on Close; holds the CA file when Options.CADir is empty
	client   *http.Client
	srv      *http.Server
	listener net.Listener
	serveErr chan error
	// hostsMode: Options.Hosts (hosts.go).
	hostsMode bool

	signer    *signer
	store     *store
	seed      Seed
	faults    *faultSet
	log       *requestLog
	portal    *Portal
	sessions  *sessions
	onRequest func(Request)
	// oidc holds the emulator's own OIDC issuers and CI runs (oidcissuer.go), shared by the
	// tenants.
	oidc *oidcIssuers

	// tenants are the tenants served, this one first; root is set on the views of the other
	// tenants (tenants.go) and names the emulator they belong to.
	tenants []*Emulator
	root    *Emulator
	state   *stateFile // nil without Options.StateFile

	cloud      cloud
	identities *identityHost // the emulated Azure host's managed identities

	latency atomic.Int64 // time.Duration
	lag     atomic.Int64 // time.Duration
	active  atomic.Int64 // requests being served, for a graceful Close

	closeOnce sync.Once
	closeErr  error
}

// Start serves a fresh seeded tenant over HTTPS with its own CA and returns once it accepts
// connections.
func Start(opts Options) (*Emulator, error) {
	addr := listenAddr(opts)
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("emulator address %q: %w", addr, err)
	}
	var faults []Fault
	if opts.FaultsFile != "" {
		if faults, err = LoadFaults(opts.FaultsFile); err != nil {
			return nil, err
		}
	}
	cl, err := cloudNamed(opts.Cloud)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	ca, err := loadOrCreateCA(opts.CADir)
	if err != nil {
		return nil, fmt.Errorf("emulator CA: %w", err)
	}
	// The cloud's own host names too, for clients that reach the emulator by them.
	leaf, err := ca.leaf(host, certificateNames(cl, opts.Hosts)...)
	if err != nil {
		return nil, fmt.Errorf("emulator certificate: %w", err)
	}
	sg, err := newSigner()
	if err != nil {
		return nil, err
	}

	e := &Emulator{cloud: cl, identities: newIdentityHost(), ca: ca, signer: sg, faults: newFaultSet(), log: &requestLog{}, sessions: newSessions(), serveErr: make(chan error, 1), onRequest: opts.OnRequest, oidc: &oidcIssuers{}}
	e.latency.Store(int64(opts.Latency))
	e.lag.Store(int64(opts.ReplicationLag))
	for _, f := range faults {
		e.faults.add(f)
	}
	if err := e.writeCAFile(opts.CADir); err != nil {
		return nil, err
	}

	e.store, e.seed = newSeededStore(opts.BootstrapSecret)
	e.store.applyCloud(cl)
	e.store.ownURL = e.isOwnURL
	e.portal = &Portal{e: e}

	if e.client, err = clientTrusting(ca.cert); err != nil {
		e.cleanup()
		return nil, err
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		e.cleanup()
		return nil, fmt.Errorf("emulator listen on %s: %w", addr, err)
	}
	tcpAddr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		ln.Close()
		e.cleanup()
		return nil, fmt.Errorf("emulator listen on %s: got a %T address, not TCP", addr, ln.Addr())
	}
	e.listener = ln
	e.url = "https://" + urlHost(tcpAddr)
	if err := e.setHostsMode(opts.Hosts, urlHost(tcpAddr)); err != nil {
		ln.Close()
		e.cleanup()
		return nil, err
	}
	e.addTenants(opts.Tenants, opts.BootstrapSecret)
	if err := e.openStateFile(opts.StateFile); err != nil {
		ln.Close()
		e.cleanup()
		return nil, err
	}
	e.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 30 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12},
		// Clients that do not trust the CA fail their handshakes; that is their error to
		// report, not noise for the emulator's stderr.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { e.serveErr <- e.srv.ServeTLS(ln, "", "") }()
	return e, nil
}

// writeCAFile publishes the CA certificate for clients: in caDir when the CA is kept there,
// else in a temporary directory removed on Close.
func (e *Emulator) writeCAFile(caDir string) error {
	if caDir != "" {
		f, err := filepath.Abs(filepath.Join(caDir, caCertFile))
		e.caFile = f
		return err
	}
	dir, err := os.MkdirTemp("", "stellar-emulator-")
	if err != nil {
		return err
	}
	e.tempDir, e.caFile = dir, filepath.Join(dir, caCertFile)
	if err := atomicfile.Write(e.caFile, e.ca.certPEM, 0o644); err != nil {
		os.RemoveAll(dir)
		return err
	}
	return nil
}

// clientTrusting returns an HTTP client that trusts ca and nothing else.
func clientTrusting(ca *x509.Certificate) (*http.Client, error) {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("emulator client: http.DefaultTransport is a %T, not an *http.Transport", http.DefaultTransport)
	}
	tr := base.Clone()
	tr.Proxy = nil // the emulator is local; a corporate proxy must not see its traffic
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

// urlHost renders the listening address as the URL host: an unspecified address becomes the
// loopback one the certificate covers.
func urlHost(a *net.TCPAddr) string {
	ip := a.IP
	switch {
	case ip == nil || ip.IsUnspecified() && ip.To4() != nil:
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

// URL is the base URL of both the token service (the authority host) and Graph
// (URL()+"/v1.0"), e.g. "https://127.0.0.1:40123".
func (e *Emulator) URL() string { return e.url }

// CACertPEM returns the PEM encoding of the emulator's CA certificate.
func (e *Emulator) CACertPEM() []byte { return append([]byte(nil), e.ca.certPEM...) }

// CAFile is the absolute path of a PEM file holding the CA certificate.
func (e *Emulator) CAFile() string { return e.caFile }

// HTTPClient returns a client that trusts the emulator's CA and nothing else.
func (e *Emulator) HTTPClient() *http.Client { return e.client }

// Seed describes the seeded tenant, including the bootstrap app's secret.
func (e *Emulator) Seed() Seed {
	s := e.seed
	s.Users = append([]SeedUser(nil), e.seed.Users...)
	return s
}

// Portal gives tests the administrator's view: out-of-band changes and inspection.
func (e *Emulator) Portal() *Portal { return e.portal }

// SetLatency sets the delay added to every request.
func (e *Emulator) SetLatency(d time.Duration) { e.latency.Store(int64(d)) }

// SetReplicationLag sets how long objects created from now on stay invisible to other reads.
func (e *Emulator) SetReplicationLag(d time.Duration) { e.lag.Store(int64(d)) }

// Close stops the server and removes temporary files. It is safe to call more than once.
func (e *Emulator) Close() error {
	if e.root != nil {
		return nil // a tenant's view: the emulator it belongs to closes
	}
	e.closeOnce.Do(func() {
		// Shutdown alone would wait for every client's idle HTTP/2 connection to honour
		// GOAWAY, a second each; waiting only for requests in flight and then closing
		// the connections keeps Close graceful and fast.
		e.client.CloseIdleConnections()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			deadline := time.Now().Add(5 * time.Second)
			for e.active.Load() > 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
		}()
		err := e.srv.Shutdown(ctx)
		if errors.Is(err, context.Canceled) {
			err = e.srv.Close()
		}
		cancel()
		if serr := <-e.serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		e.client.CloseIdleConnections()
		if e.state != nil {
			e.state.mu.Lock()
			saveErr := e.state.err
			e.state.mu.Unlock()
			err = errors.Join(err, saveErr, e.writeState())
		}
		e.cleanup()
		e.closeErr = err
	})
	return e.closeErr
}

func (e *Emulator) cleanup() {
	if e.tempDir != "" {
		os.RemoveAll(e.tempDir)
	}
}

// visibleAt is when an object created now becomes visible to other reads.
func (e *Emulator) visibleAt(now time.Time) time.Time {
	return now.Add(time.Duration(e.top().lag.Load()))
}

// ServeHTTP serves a request: latency, injected faults, the route table; then the answer goes
// out, unless an injected fault delays or loses it. The request is in the log before its
// answer can reach the client, so a test that reads the log right after a call never races.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.active.Add(1)
	defer e.active.Add(-1)
	buf := newBufferedResponse()
	info := e.serve(buf, r, nil)
	if info.answerDelay > 0 {
		sleep(r.Context(), info.answerDelay)
		if r.Context().Err() != nil {
			return // the client stopped waiting: nobody is left to answer
		}
	}
	if info.loseAnswer {
		// The write is done; the connection is reset (HTTP/1.1) or the stream closed
		// (HTTP/2) instead of answering, as when a network drops the response.
		panic(http.ErrAbortHandler)
	}
	buf.writeTo(w)
}

// serve runs one request, or one item of the JSON batch batch, into buf through latency,
// faults and routing, and logs it.
func (e *Emulator) serve(buf *bufferedResponse, r *http.Request, batch *requestInfo) *requestInfo {
	start := time.Now()
	info := &requestInfo{requestID: newGUID(), clientRequestID: r.Header.Get("client-request-id"), batch: batch}
	if info.clientRequestID == "" {
		info.clientRequestID = info.requestID
	}
	r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))

	if d := time.Duration(e.latency.Load()); d > 0 && batch == nil {
		sleep(r.Context(), d)
	}
	f, hit := e.faults.match(r)
	if hit && f.Latency > 0 {
		sleep(r.Context(), f.Latency)
	}
	if hit && f.Status != 0 {
		buf.fault = true
		e.writeFault(buf, r, f)
	} else {
		e.route(buf, r)
	}
	if hit {
		info.afterAnswer(f)
	}
	if batch == nil && mayWrite(r.Method) {
		e.top().saveState()
	}
	e.logRequest(r, buf, start, info)
	return info
}

func (e *Emulator) logRequest(r *http.Request, rec *bufferedResponse, start time.Time, info *requestInfo) {
	q := r.URL.RawQuery
	if dq, err := url.QueryUnescape(q); err == nil {
		q = dq
	}
	entry := Request{
		Method:          r.Method,
		Host:            r.Host,
		Path:            r.URL.Path,
		Query:           q,
		Status:          rec.statusCode(),
		Duration:        time.Since(start),
		InBatch:         info.batch != nil,
		Time:            start.UTC(),
		Code:            rec.code,
		ClientRequestID: r.Header.Get("client-request-id"),
		Fault:           rec.fault,
		AnswerLost:      info.loseAnswer,
		AnswerDelay:     info.answerDelay,
		Compressed:      strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip"),
		Audience:        bearerAudience(r),
	}
	e.log.add(entry)
	if e.onRequest != nil {
		e.onRequest(entry)
	}
}

// bearerAudience is the aud of r's bearer token, read without verifying it: the log records
// what the client sent, and Graph's own check decides what it accepts.
func bearerAudience(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	jwt, err := parseJWT(strings.TrimSpace(tok))
	if err != nil {
		return ""
	}
	return jwt.str("aud")
}

// route serves a request by the route table: Graph under /v1.0 and /beta, the token service
// elsewhere.
func (e *Emulator) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if isGraphPath(p) {
		e.serveGraph(w, r)
		return
	}
	m, err := findRoute(r.Method, splitPath(p))
	switch {
	case err == nil && m.arm != nil:
		e.serveARM(w, r, m)
	case err == nil && m.identity != nil && m.wrongMethod:
		writeAADError(w, r, errMethodNotAllowed(r.Method))
	case err == nil && m.identity != nil:
		seg := m.refs["{tenant}"].value
		m.identity(e.forTenant(seg), w, r, seg)
	default:
		e.serveUnknown(w, r)
	}
}

// serveUnknown answers a path neither service has. A first segment that names a tenant is
// the token service's (404); anything else is Graph's, which rejects a version it does not
// serve.
func (e *Emulator) serveUnknown(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) > 1 && looksLikeTenant(segs[0]) {
		// Emulator's wording: Entra answers unknown paths with an HTML page.
		writeOAuthError(w, r, http.StatusNotFound, "invalid_request", "The token service has no endpoint "+r.URL.Path+".")
		return
	}
	if isARMPath(r) {
		e.serveARMUnknown(w, r)
		return
	}
	writeGraphError(w, r, newGraphError(http.StatusBadRequest, "BadRequest", "Invalid version: "+segs[0]))
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// looksLikeTenant reports whether a first path segment names a tenant: a GUID, a multi-tenant
// alias, or a domain (a dot and a top-level label of letters, unlike the "v2.0" of a version).
func looksLikeTenant(seg string) bool {
	if isGUID(seg) || isCommonTenant(seg) {
		return true
	}
	i := strings.LastIndexByte(seg, '.')
	if i < 1 || i == len(seg)-1 {
		return false
	}
	for _, c := range seg[i+1:] {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// requestInfo carries the ids of one request to the handlers that echo them, and what an
// injected fault wants done with its answer.
type requestInfo struct {
	requestID       string
	clientRequestID string
	// batch is the JSON batch this request is an item of, nil for a request of its own.
	batch *requestInfo
	// loseAnswer and answerDelay: the answer is dropped, or held back this long, after the
	// handler ran.
	loseAnswer  bool
	answerDelay time.Duration
}

// afterAnswer records what fault f does to the answer. The answer to a batch item travels in
// the batch's answer, so that is the one lost or delayed.
func (ri *requestInfo) afterAnswer(f Fault) {
	for x := ri; x != nil; x = x.batch {
		x.loseAnswer = x.loseAnswer || f.LoseAnswer
		x.answerDelay = max(x.answerDelay, f.AnswerDelay)
	}
}

type requestInfoKey struct{}

func infoOf(r *http.Request) *requestInfo {
	if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{requestID: newGUID(), clientRequestID: newGUID()}
}

// setErrorCode records the error code of the response for the request log.
func setErrorCode(w http.ResponseWriter, code string) {
	if s, ok := w.(*bufferedResponse); ok {
		s.code = code
	}
}
