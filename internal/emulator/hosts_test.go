package emulator_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// hostsFile is what a hosts-file entry does for a test: it sends the real host names, on 443,
// to the emulator's listener, and refuses every other address, so no test ever reaches a real
// Microsoft host. It records what was dialled.
type hostsFile struct {
	target string            // the emulator's host:port
	names  map[string]string // "login.microsoftonline.com:443" -> target
	mu     sync.Mutex
	dialed []string
}

func newHostsFile(e *emulator.Emulator, names ...string) *hostsFile {
	h := &hostsFile{target: strings.TrimPrefix(e.URL(), "https://"), names: map[string]string{}}
	for _, n := range names {
		h.names[n+":443"] = h.target
	}
	return h
}

func (h *hostsFile) dial(ctx context.Context, network, address string) (net.Conn, error) {
	h.mu.Lock()
	h.dialed = append(h.dialed, address)
	h.mu.Unlock()
	to, ok := h.names[strings.ToLower(address)]
	if !ok {
		return nil, fmt.Errorf("test hosts file: refusing to dial %s, which is not the emulator", address)
	}
	return (&net.Dialer{}).DialContext(ctx, network, to)
}

func (h *hostsFile) dialedAddresses() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.dialed...)
}

// client is an HTTP client over the hosts file that trusts the emulator's CA through a
// RootCAs pool, and nothing else: as a tool given SSL_CERT_FILE would.
func (h *hostsFile) client(t *testing.T, e *emulator.Emulator) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(e.CACertPEM()) {
		t.Fatal("the emulator's CA PEM holds no certificate")
	}
	tr := &http.Transport{
		DialContext:     h.dial,
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		Proxy:           nil,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// TestAzidentityDefaultCloudInHostsMode: the Azure SDK for Go's azidentity, with its default
// cloud settings (authority host https://login.microsoftonline.com/, instance discovery on),
// signs in with a client secret for https://graph.microsoft.com/.default against the
// emulator in hosts mode, reached by the real host names only through a transport that stands
// for the hosts file; Graph, by its real name, accepts the token.
func TestAzidentityDefaultCloudInHostsMode(t *testing.T) {
	e := start(t, emulator.Options{Hosts: true, Addr: "127.0.0.1:0"})
	seed := e.Seed()
	hosts := newHostsFile(e, "login.microsoftonline.com", "graph.microsoft.com")
	hc := hosts.client(t, e)

	// Only the transport is set: cloud, authority host and discovery stay azidentity's own.
	cred, err := azidentity.NewClientSecretCredential(seed.TenantID, seed.BootstrapClientID, seed.BootstrapSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: policy.ClientOptions{Transport: hc}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(ctx(t), policy.TokenRequestOptions{Scopes: []string{graphScope}})
	if err != nil {
		t.Fatalf("azidentity GetToken: %v", err)
	}
	// What azidentity sent (MSAL Go under it asks for instance discovery even for
	// login.microsoftonline.com), each served by the emulator.
	var discovered bool
	for _, r := range e.Requests() {
		t.Logf("azidentity: %s https://%s%s %s: %d", r.Method, r.Host, r.Path, r.Query, r.Status)
		if r.Status != http.StatusOK {
			t.Errorf("azidentity's %s %s: %d", r.Method, r.Path, r.Status)
		}
		discovered = discovered || r.Path == "/common/discovery/instance"
	}
	if !discovered {
		t.Error("azidentity made no instance discovery request (azidentity v1.10.1 with MSAL Go v1.10.1 does)")
	}
	c := claims(t, tok.Token)
	if c["aud"] != "https://graph.microsoft.com" || c["tid"] != seed.TenantID || c["appid"] != seed.BootstrapClientID {
		t.Fatalf("token claims %v", c)
	}
	if !tok.ExpiresOn.After(time.Now().Add(30 * time.Minute)) {
		t.Fatalf("token expires %v", tok.ExpiresOn)
	}

	// Graph by its real host, through the same hosts file, takes the token.
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, "https://graph.microsoft.com/v1.0/organization", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET https://graph.microsoft.com/v1.0/organization: %d", resp.StatusCode)
	}

	// Instance discovery by the real login host names that host.
	disc := "https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=" +
		"https%3A%2F%2Flogin.microsoftonline.com%2F" + seed.TenantID + "%2Foauth2%2Fv2.0%2Fauthorize"
	req, _ = http.NewRequestWithContext(ctx(t), http.MethodGet, disc, nil)
	status, body := doWith(t, hc, req)
	if status != http.StatusOK || body["tenant_discovery_endpoint"] != "https://login.microsoftonline.com/"+seed.TenantID+"/v2.0/.well-known/openid-configuration" {
		t.Fatalf("instance discovery: %d %v", status, body)
	}

	// Every request came by a real name; the token service's by the login host.
	var sawToken bool
	for _, r := range e.Requests() {
		if r.Host != "login.microsoftonline.com" && r.Host != "graph.microsoft.com" {
			t.Errorf("%s %s came by host %q", r.Method, r.Path, r.Host)
		}
		if strings.HasSuffix(r.Path, "/oauth2/v2.0/token") {
			sawToken = r.Host == "login.microsoftonline.com" && r.Status == http.StatusOK
		}
	}
	if !sawToken {
		t.Fatalf("no token request by login.microsoftonline.com: %+v", e.Requests())
	}
	for _, a := range hosts.dialedAddresses() {
		if a != "login.microsoftonline.com:443" && a != "graph.microsoft.com:443" {
			t.Errorf("dialled %s", a)
		}
	}
}

// TestHostsMode: what hosts mode adds to an emulator: the real hosts' URLs, a client that
// reaches them without a hosts file, and a certificate that covers ARM's host too.
func TestHostsMode(t *testing.T) {
	e := start(t, emulator.Options{Hosts: true, Addr: "127.0.0.1:0"})
	port := e.URL()[strings.LastIndexByte(e.URL(), ':')+1:]
	if !e.HostsMode() || e.AuthorityHost() != "https://login.microsoftonline.com:"+port || e.GraphEndpoint() != "https://graph.microsoft.com:"+port {
		t.Fatalf("hosts mode %v, authority host %s, Graph endpoint %s", e.HostsMode(), e.AuthorityHost(), e.GraphEndpoint())
	}
	if got := strings.Join(e.RealHostNames(), " "); got != "login.microsoftonline.com graph.microsoft.com management.azure.com" {
		t.Fatalf("real host names %s", got)
	}
	tok := bootstrapToken(t, e)
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, e.GraphEndpoint()+"/v1.0/organization", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("Graph by its real name through HTTPClient: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Graph by its real name: %d", resp.StatusCode)
	}
	wantLeafCovers(t, e, resp.TLS.PeerCertificates[0], e.RealHostNames()...)

	// The OpenID configuration by the real login host names it, without the port a client
	// on 443 never sees.
	req, _ = http.NewRequestWithContext(ctx(t), http.MethodGet, e.AuthorityHost()+"/"+e.Seed().TenantID+"/v2.0/.well-known/openid-configuration", nil)
	if status, doc := do(t, e, req); status != 200 || doc["issuer"] != e.AuthorityHost()+"/"+e.Seed().TenantID+"/v2.0" {
		t.Fatalf("OpenID configuration: %d %v", status, doc)
	}

	// Without hosts mode the URLs are the listener's, as before.
	plain := start(t, emulator.Options{})
	if plain.HostsMode() || plain.AuthorityHost() != plain.URL() || plain.GraphEndpoint() != plain.URL() {
		t.Fatalf("default mode: %s %s", plain.AuthorityHost(), plain.GraphEndpoint())
	}
}

// TestHostsModeListensOn443: with no address, hosts mode takes 127.0.0.1:443, where a
// hosts-file entry sends clients. Skipped where the test may not bind the port.
func TestHostsModeListensOn443(t *testing.T) {
	e, err := emulator.Start(emulator.Options{Hosts: true})
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.1:443 here: %v", err)
	}
	defer e.Close()
	if e.URL() != "https://127.0.0.1:443" || e.AuthorityHost() != "https://login.microsoftonline.com" || e.GraphEndpoint() != "https://graph.microsoft.com" {
		t.Fatalf("URL %s, authority host %s, Graph endpoint %s", e.URL(), e.AuthorityHost(), e.GraphEndpoint())
	}
}

// doWith sends req with hc and decodes the JSON answer.
func doWith(t *testing.T, hc *http.Client, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, m
}
