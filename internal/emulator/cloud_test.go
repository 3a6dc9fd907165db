package emulator_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// cloudCases are the national clouds with the values a client configures for each, and
// another cloud's Graph, which the tenant does not have.
var cloudCases = []struct {
	option       string
	want         emulator.CloudProfile
	foreignGraph string
}{
	{"", emulator.CloudProfile{Name: "global", LoginHost: "login.microsoftonline.com", GraphHost: "graph.microsoft.com", GraphResource: "https://graph.microsoft.com", ExchangeResource: "https://outlook.office365.com"}, "https://graph.microsoft.us"},
	{"usgovernment", emulator.CloudProfile{Name: "usgovernment", LoginHost: "login.microsoftonline.us", GraphHost: "graph.microsoft.us", GraphResource: "https://graph.microsoft.us", ExchangeResource: "https://outlook.office365.us"}, "https://graph.microsoft.com"},
	{"dod", emulator.CloudProfile{Name: "dod", LoginHost: "login.microsoftonline.us", GraphHost: "dod-graph.microsoft.us", GraphResource: "https://dod-graph.microsoft.us", ExchangeResource: "https://outlook-dod.office365.us"}, "https://graph.microsoft.us"},
	{"china", emulator.CloudProfile{Name: "china", LoginHost: "login.chinacloudapi.cn", GraphHost: "microsoftgraph.chinacloudapi.cn", GraphResource: "https://microsoftgraph.chinacloudapi.cn", ExchangeResource: "https://partner.outlook.cn"}, "https://graph.microsoft.com"},
}

// TestCloudResources: in each cloud, tokens are issued for that cloud's Graph and Exchange
// Online and carry their resource URIs as audience, Graph takes them, and a request for
// another cloud's Graph gets the AADSTS500011 a real tenant answers.
func TestCloudResources(t *testing.T) {
	for _, tc := range cloudCases {
		t.Run(tc.want.Name, func(t *testing.T) {
			e := start(t, emulator.Options{Cloud: tc.option})
			if got := e.Cloud(); got != tc.want {
				t.Fatalf("Cloud() = %+v, want %+v", got, tc.want)
			}
			seed := e.Seed()
			tok, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, tc.want.GraphResource+"/.default")
			if err != nil {
				t.Fatal(err)
			}
			if aud := claims(t, tok)["aud"]; aud != tc.want.GraphResource {
				t.Fatalf("Graph token aud %v", aud)
			}
			if status, body := rawGraph(t, e, "GET", "/v1.0/organization", tok, nil); status != 200 {
				t.Fatalf("Graph with the cloud's token: %d %v", status, body)
			}
			exo, err := token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, tc.want.ExchangeResource+"/.default")
			if err != nil || claims(t, exo)["aud"] != tc.want.ExchangeResource {
				t.Fatalf("Exchange token: %v", err)
			}
			_, err = token(t, e, seed.BootstrapClientID, seed.BootstrapSecret, tc.foreignGraph+"/.default")
			wantAADSTS(t, err, http.StatusBadRequest, "AADSTS500011")

			// A person's scopes without a resource are the cloud's Graph's too.
			//nolint:staticcheck // MSAL deprecates the flow, but clients (az login -u) still use it against Entra
			res, err := publicClient(t, e, emulator.AzureCLIClientID).AcquireTokenByUsernamePassword(ctx(t), []string{"Application.ReadWrite.All"}, "admin@contoso.com", emulator.SeedUserPassword)
			if err != nil || claims(t, res.AccessToken)["aud"] != tc.want.GraphResource {
				t.Fatalf("delegated token: %v", err)
			}
		})
	}
}

func TestUnknownCloudRefused(t *testing.T) {
	if e, err := emulator.Start(emulator.Options{Cloud: "mars"}); err == nil || !strings.Contains(err.Error(), `unknown cloud "mars"`) {
		if e != nil {
			e.Close()
		}
		t.Fatalf("Start with an unknown cloud: %v", err)
	}
}

// realHostClient reaches the emulator whatever host a URL names, as a hosts-file entry
// pointing the cloud's host names at it would: the client sends the real name as SNI and
// Host, and verifies the certificate for it with the emulator's CA.
func realHostClient(t *testing.T, e *emulator.Emulator) *http.Client {
	t.Helper()
	base, ok := e.HTTPClient().Transport.(*http.Transport)
	if !ok {
		t.Fatalf("emulator client transport is a %T", e.HTTPClient().Transport)
	}
	tr := base.Clone()
	addr := strings.TrimPrefix(e.URL(), "https://")
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// TestCloudHostNames: a client that reaches the emulator by its cloud's real host names signs
// in with a certificate through MSAL and calls Graph through msgraph-sdk-go unchanged; every
// URL the emulator answers with keeps those names.
func TestCloudHostNames(t *testing.T) {
	for _, tc := range cloudCases {
		t.Run(tc.want.Name, func(t *testing.T) {
			e := start(t, emulator.Options{Cloud: tc.option})
			c, tid := e.Cloud(), e.Seed().TenantID
			hc := realHostClient(t, e)

			resp, err := hc.Get("https://" + c.LoginHost + "/" + tid + "/v2.0/.well-known/openid-configuration")
			if err != nil {
				t.Fatalf("by the login host: %v", err)
			}
			resp.Body.Close()
			wantLeafCovers(t, e, resp.TLS.PeerCertificates[0], c.LoginHost, c.GraphHost)

			app, _ := e.Portal().CreateApplication("cloud-cert", "Organization.Read.All")
			cert, key := selfSignedCert(t, time.Now().AddDate(1, 0, 0))
			if err := e.Portal().AddCertificate(app.ObjectID, cert); err != nil {
				t.Fatal(err)
			}
			cred, err := confidential.NewCredFromCert([]*x509.Certificate{cert}, key)
			if err != nil {
				t.Fatal(err)
			}
			// The assertion's audience is the token endpoint on the login host.
			mc, err := confidential.New("https://"+c.LoginHost+"/"+tid, app.AppID, cred, confidential.WithHTTPClient(hc), confidential.WithInstanceDiscovery(false))
			if err != nil {
				t.Fatal(err)
			}
			res, err := mc.AcquireTokenByCredential(ctx(t), []string{c.GraphResource + "/.default"})
			if err != nil {
				t.Fatalf("certificate sign-in by the login host: %v", err)
			}

			org, err := graphVia(t, hc.Transport, "https://"+c.GraphHost+"/v1.0", staticTokens{res.AccessToken}).Organization().Get(ctx(t), nil)
			if err != nil || len(org.GetValue()) != 1 {
				t.Fatalf("Graph by its host: %v", err)
			}
			if ctxURL, _ := org.GetAdditionalData()["@odata.context"].(*string); ctxURL == nil || !strings.HasPrefix(*ctxURL, "https://"+c.GraphHost+"/v1.0/$metadata#") {
				t.Fatalf("@odata.context %v", org.GetAdditionalData()["@odata.context"])
			}
			wantHosts(t, e, c)
		})
	}
}

// wantHosts asserts the request log shows the client used the cloud's host names: the token
// service's by the login host, Graph's by the Graph host.
func wantHosts(t *testing.T, e *emulator.Emulator, c emulator.CloudProfile) {
	t.Helper()
	var token, graph bool
	for _, r := range e.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/oauth2/v2.0/token"):
			token = r.Host == c.LoginHost
		case strings.HasPrefix(r.Path, "/v1.0/"):
			graph = r.Host == c.GraphHost
		}
	}
	if !token || !graph {
		t.Fatalf("request log hosts: %+v", e.Requests())
	}
}

// wantLeafCovers asserts the emulator's certificate verifies, with its CA, for the names
// given and for the loopback address, and not for a name of no cloud.
func wantLeafCovers(t *testing.T, e *emulator.Emulator, leaf *x509.Certificate, names ...string) {
	t.Helper()
	block, _ := pem.Decode(e.CACertPEM())
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, n := range append(names, "127.0.0.1", "localhost") {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: n, Roots: pool}); err != nil {
			t.Errorf("leaf for %s: %v", n, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "login.example.com", Roots: pool}); err == nil {
		t.Error("leaf verifies for login.example.com")
	}
}

// graphVia is msgraph-sdk-go on baseURL over parent, with the SDK's default middleware.
func graphVia(t *testing.T, parent http.RoundTripper, baseURL string, tokens absauth.AccessTokenProvider) *msgraphsdk.GraphServiceClient {
	t.Helper()
	opts := msgraphcore.GraphClientOptions{GraphServiceVersion: "v1.0", GraphServiceLibraryVersion: "1.89.0"}
	hc := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(parent, msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)...), Timeout: 30 * time.Second}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		absauth.NewBaseBearerTokenAuthenticationProvider(tokens), nil, nil, hc)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(baseURL)
	return msgraphsdk.NewGraphServiceClient(adapter)
}

// TestOpenIDConfigurationByHostHeader: the discovery document names the host the client
// asked by, the cloud's login host, or else the emulator's URL, and the cloud's Graph.
func TestOpenIDConfigurationByHostHeader(t *testing.T) {
	e := start(t, emulator.Options{Cloud: "usgovernment"})
	tid := e.Seed().TenantID
	for _, tc := range []struct{ host, base string }{
		{"login.microsoftonline.us", "https://login.microsoftonline.us"},
		{"login.microsoftonline.us:8443", "https://login.microsoftonline.us:8443"},
		{"", e.URL()},
	} {
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, e.URL()+"/"+tid+"/v2.0/.well-known/openid-configuration", nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		status, doc := do(t, e, req)
		if status != 200 || doc["token_endpoint"] != tc.base+"/"+tid+"/oauth2/v2.0/token" || doc["issuer"] != tc.base+"/"+tid+"/v2.0" || doc["jwks_uri"] != tc.base+"/"+tid+"/discovery/v2.0/keys" {
			t.Fatalf("Host %q: %d %v", tc.host, status, doc)
		}
		if doc["msgraph_host"] != "graph.microsoft.us" || doc["cloud_instance_name"] != "microsoftonline.us" {
			t.Fatalf("cloud fields %v %v", doc["msgraph_host"], doc["cloud_instance_name"])
		}
	}
	if last := e.Requests()[len(e.Requests())-1]; last.Host != strings.TrimPrefix(e.URL(), "https://") {
		t.Fatalf("logged host %q", last.Host)
	}
}
