package acctest

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
)

// HostsProxy is an HTTPS proxy (HTTP CONNECT) that sends the host names it is given to one
// local address, as a hosts-file entry would: a provider run with HTTPS_PROXY pointing at it
// uses Microsoft's real host names, verifies the emulator's certificate for them with the
// emulator's CA, and never reaches a real host. Every other host is refused.
type HostsProxy struct {
	URL string

	target string
	allow  map[string]bool
	mu     sync.Mutex
	seen   []string
}

// StartHostsProxy proxies each of hosts (host names, port 443) to target (host:port).
func StartHostsProxy(t *testing.T, target string, hosts ...string) *HostsProxy {
	t.Helper()
	p := &HostsProxy{target: target, allow: map[string]bool{}}
	for _, h := range hosts {
		p.allow[h] = true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	p.URL = "http://" + ln.Addr().String()
	return p
}

// Hosts are the host names clients asked for, in order, without repeats.
func (p *HostsProxy) Hosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

func (p *HostsProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	if r.Method != http.MethodConnect || err != nil || port != "443" || !p.allow[host] {
		http.Error(w, "this proxy serves only the emulated cloud's hosts over CONNECT", http.StatusForbidden)
		return
	}
	p.mu.Lock()
	if !slices.Contains(p.seen, host) {
		p.seen = append(p.seen, host)
	}
	p.mu.Unlock()
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

// HostPort is the host:port of an https URL such as an emulator's.
func HostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Host
}
