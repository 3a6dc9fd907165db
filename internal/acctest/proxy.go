package acctest

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Proxy is an HTTPS proxy (HTTP CONNECT) that tunnels the targets of its allow-list to one
// local address, as a hosts-file entry would, and refuses every other request: a client run
// with HTTPS_PROXY pointing at it reaches that address and nothing else. It records what it
// tunnelled and what it refused, so that a test can show nothing left the machine.
type Proxy struct {
	URL string

	target  string
	allow   map[string]bool
	mu      sync.Mutex
	seen    []string
	refused []string
}

// StartProxy tunnels CONNECT requests for each of allow (host:port, e.g.
// "login.microsoftonline.com:443") to target (host:port) until the test ends.
func StartProxy(t *testing.T, target string, allow ...string) *Proxy {
	t.Helper()
	p := &Proxy{target: target, allow: map[string]bool{}}
	for _, a := range allow {
		p.allow[a] = true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	p.URL = "http://" + ln.Addr().String()
	return p
}

// Targets are the host:port targets the proxy tunnelled, in order, without repeats.
func (p *Proxy) Targets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// Refused are the requests the proxy refused: a CONNECT's host:port, or "METHOD URL" for a
// request that was not a CONNECT.
func (p *Proxy) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.refused)
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dest := r.Host
	if r.Method != http.MethodConnect {
		dest = r.Method + " " + r.URL.String()
	}
	ok := r.Method == http.MethodConnect && p.allow[r.Host]
	p.mu.Lock()
	switch {
	case !ok:
		p.refused = append(p.refused, dest)
	case !slices.Contains(p.seen, dest):
		p.seen = append(p.seen, dest)
	}
	p.mu.Unlock()
	if !ok {
		http.Error(w, "this test's proxy reaches the tenant emulator only, over CONNECT", http.StatusForbidden)
		return
	}
	upstream, err := net.Dial("tcp", p.target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	_, _ = client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	go func() {
		_, _ = io.Copy(upstream, buf)
		upstream.Close()
	}()
	_, _ = io.Copy(client, upstream)
	client.Close()
}

// HostsProxy is a Proxy for Microsoft's real host names: a provider run through it uses
// those names, verifies the emulator's certificate for them with the emulator's CA, and
// never reaches a real host.
type HostsProxy struct{ *Proxy }

// StartHostsProxy proxies each of hosts (host names, port 443) to target (host:port).
func StartHostsProxy(t *testing.T, target string, hosts ...string) *HostsProxy {
	t.Helper()
	allow := make([]string, len(hosts))
	for i, h := range hosts {
		allow[i] = net.JoinHostPort(h, "443")
	}
	return &HostsProxy{StartProxy(t, target, allow...)}
}

// Hosts are the host names clients asked for, in order, without repeats.
func (p *HostsProxy) Hosts() []string {
	targets := p.Targets()
	for i, tg := range targets {
		targets[i] = strings.TrimSuffix(tg, ":443")
	}
	return targets
}

// HostPort is the host:port of an https URL such as an emulator's.
func HostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}
