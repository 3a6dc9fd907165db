package emulator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Hosts mode (Options.Hosts): the emulator stands in for the cloud's real hosts, for tools
// that take no custom endpoint (azidentity's defaults, the azuread provider, the Azure CLI,
// Python's msal). A hosts-file entry sends login.microsoftonline.com and graph.microsoft.com
// (and the cloud's ARM host) to the emulator's address, and the tool trusts the emulator's
// CA. What makes that work holds in every mode: the certificate covers the cloud's login and
// Graph host names, and the issuer, the OpenID configuration, the token endpoint and the
// instance-discovery answer name the host the request came by (baseURL). Hosts mode adds:
//
//   - the certificate also covers the cloud's Azure Resource Manager host, which `az login`
//     lists subscriptions from;
//   - with no Options.Addr, the emulator listens on 127.0.0.1:443, where a hosts-file entry
//     sends clients (a port of its own needs the right to bind it);
//   - AuthorityHost and GraphEndpoint name the real hosts, for the clients that are given
//     an endpoint after all, and HTTPClient reaches the emulator by those names without a
//     hosts file (it dials the listener for them), so tests can use them as a tool would.

// armHosts is Azure Resource Manager's host in each cloud (its resourceManager endpoint).
var armHosts = map[string]string{
	"global":       "management.azure.com",
	"usgovernment": "management.usgovcloudapi.net",
	"dod":          "management.usgovcloudapi.net",
	"china":        "management.chinacloudapi.cn",
}

// listenAddr is the address to listen on: Options.Addr, else a free port on 127.0.0.1, or in
// hosts mode 127.0.0.1:443.
func listenAddr(opts Options) string {
	switch {
	case opts.Addr != "":
		return opts.Addr
	case opts.Hosts:
		return "127.0.0.1:443"
	}
	return "127.0.0.1:0"
}

// certificateNames are the DNS names the certificate covers besides the loopback ones: the
// cloud's own host names, for clients that reach the emulator by them, and in hosts mode the
// cloud's ARM host too.
func certificateNames(c cloud, hosts bool) []string {
	if hosts {
		return append(c.hostNames(), hostsModeNames(c)...)
	}
	return c.hostNames()
}

// setHostsMode turns hosts mode on (for on) once the emulator listens at addr.
func (e *Emulator) setHostsMode(on bool, addr string) error {
	e.hostsMode = on
	if !on {
		return nil
	}
	return e.dialRealHostsHere(addr)
}

// hostsModeNames are the names hosts mode adds to the certificate, besides the cloud's login
// and Graph hosts.
func hostsModeNames(c cloud) []string {
	if h := armHosts[c.Name]; h != "" {
		return []string{h}
	}
	return nil
}

// RealHostNames are the cloud's host names a hosts-file entry points at the emulator in hosts
// mode: the token service's, Graph's and Azure Resource Manager's. The certificate covers
// each of them.
func (e *Emulator) RealHostNames() []string {
	return append(e.cloud.hostNames(), hostsModeNames(e.cloud)...)
}

// HostsMode reports whether the emulator runs in hosts mode (Options.Hosts).
func (e *Emulator) HostsMode() bool { return e.top().hostsMode }

// AuthorityHost is the URL clients use as the token service's authority host: URL(), or in
// hosts mode the cloud's login host (https://login.microsoftonline.com, with the port unless
// it is 443).
func (e *Emulator) AuthorityHost() string { return e.realHostURL(e.cloud.LoginHost) }

// GraphEndpoint is the URL clients use as Microsoft Graph's base (without /v1.0): URL(), or
// in hosts mode the cloud's Graph host (https://graph.microsoft.com).
func (e *Emulator) GraphEndpoint() string { return e.realHostURL(e.cloud.GraphHost) }

func (e *Emulator) realHostURL(host string) string {
	if !e.HostsMode() {
		return e.url
	}
	if _, port, err := net.SplitHostPort(strings.TrimPrefix(e.url, "https://")); err == nil && port != "443" {
		host = net.JoinHostPort(host, port)
	}
	return "https://" + host
}

// dialRealHostsHere makes the emulator's own client reach the listener at addr for every
// real host name, on any port, as a hosts-file entry would: it then names them in SNI and
// Host and verifies the certificate for them.
func (e *Emulator) dialRealHostsHere(addr string) error {
	tr, ok := e.client.Transport.(*http.Transport)
	if !ok {
		return fmt.Errorf("emulator client: transport is a %T, not an *http.Transport", e.client.Transport)
	}
	names := e.RealHostNames()
	dialer := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err == nil {
			for _, n := range names {
				if strings.EqualFold(host, n) {
					address = addr
				}
			}
		}
		return dialer.DialContext(ctx, network, address)
	}
	return nil
}
