package emulator

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// National clouds. A tenant lives in one Microsoft cloud, which decides the host names of the
// token service and of Graph and the resource URIs tokens are issued for. Options.Cloud picks
// the emulated tenant's cloud; the rest of the emulator reads it from here.

// CloudProfile names the hosts and resource URIs of one Microsoft cloud.
type CloudProfile struct {
	Name      string // "global", "usgovernment", "dod" or "china"
	LoginHost string // the token service's host, without scheme: login.microsoftonline.us
	GraphHost string // Microsoft Graph's host, without scheme: graph.microsoft.us
	// GraphResource and ExchangeResource are the resource URIs (token audiences) of Microsoft
	// Graph and Exchange Online in this cloud, with scheme: https://graph.microsoft.us.
	GraphResource    string
	ExchangeResource string
}

// cloud is a profile with the values only the discovery documents show.
type cloud struct {
	CloudProfile
	instanceName string   // cloud_instance_name of the OpenID configuration and user realm
	aadGraphHost string   // cloud_graph_host_name: the retired Azure AD Graph's host
	regionScope  string   // tenant_region_scope
	arm          armCloud // Azure Resource Manager's audiences and endpoint metadata (arm.go)
}

// clouds are the profiles, by the names azuread's `environment` takes (aliases included). The
// host names and resource URIs are those of the reference table (go-azure-sdk's environments,
// Microsoft Graph's national cloud deployments page). No source at hand shows the discovery
// documents of a non-global tenant: their tenant_region_scope ("USGov", "AS") is the
// emulator's reading of what Entra reports there, and cloud_graph_host_name the Azure AD Graph
// hosts of the Azure SDKs' environments.
var clouds = map[string]cloud{
	"global": {
		CloudProfile: CloudProfile{Name: "global", LoginHost: "login.microsoftonline.com", GraphHost: "graph.microsoft.com", GraphResource: GraphResource, ExchangeResource: ExchangeResource},
		instanceName: "microsoftonline.com", aadGraphHost: "graph.windows.net", regionScope: "NA", arm: armGlobal,
	},
	"usgovernment": {
		CloudProfile: CloudProfile{Name: "usgovernment", LoginHost: "login.microsoftonline.us", GraphHost: "graph.microsoft.us", GraphResource: "https://graph.microsoft.us", ExchangeResource: "https://outlook.office365.us"},
		instanceName: "microsoftonline.us", aadGraphHost: "graph.windows.net", regionScope: "USGov", arm: armUSGovernment,
	},
	"dod": {
		CloudProfile: CloudProfile{Name: "dod", LoginHost: "login.microsoftonline.us", GraphHost: "dod-graph.microsoft.us", GraphResource: "https://dod-graph.microsoft.us", ExchangeResource: "https://outlook-dod.office365.us"},
		instanceName: "microsoftonline.us", aadGraphHost: "graph.windows.net", regionScope: "USGov", arm: armUSGovernment,
	},
	"china": {
		CloudProfile: CloudProfile{Name: "china", LoginHost: "login.chinacloudapi.cn", GraphHost: "microsoftgraph.chinacloudapi.cn", GraphResource: "https://microsoftgraph.chinacloudapi.cn", ExchangeResource: "https://partner.outlook.cn"},
		instanceName: "chinacloudapi.cn", aadGraphHost: "graph.chinacloudapi.cn", regionScope: "AS", arm: armChina,
	},
}

// cloudAliases are the other names azuread accepts for a cloud.
var cloudAliases = map[string]string{"": "global", "public": "global", "usgovernmentl4": "usgovernment", "usgovernmentl5": "dod"}

// cloudNamed finds a profile by name or alias, any case.
func cloudNamed(name string) (cloud, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if alias, ok := cloudAliases[n]; ok {
		n = alias
	}
	c, ok := clouds[n]
	if !ok {
		return cloud{}, fmt.Errorf("unknown cloud %q: want global, usgovernment, dod or china", name)
	}
	return c, nil
}

// Cloud is the profile of the cloud the emulated tenant lives in.
func (e *Emulator) Cloud() CloudProfile { return e.cloud.CloudProfile }

// hostNames are the cloud's host names the emulator answers to (besides the loopback ones).
func (c cloud) hostNames() []string { return []string{c.LoginHost, c.GraphHost} }

// baseURL is the scheme and host the token service names itself by in an answer to r: the
// cloud's login host when the client addressed the emulator by one of the cloud's host names
// (through a CONNECT proxy or a hosts-file entry), else URL(). A client that came by the real
// names keeps seeing them, and one that came by 127.0.0.1 is never sent elsewhere. (A Graph
// link a client follows, a nextLink, would take the cloud's Graph host the same way.)
//
// The real clouds serve the token service and Graph on hosts of their own; the emulator
// serves both, the token service's paths and /v1.0, on every host name it answers to.
func (e *Emulator) baseURL(r *http.Request) string {
	if r == nil {
		return e.url
	}
	host, port := r.Host, ""
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		host, port = h, p
	}
	if !e.cloud.isOwnHost(host) {
		return e.url
	}
	h := e.cloud.LoginHost
	if port != "" && port != "443" {
		h = net.JoinHostPort(h, port)
	}
	return "https://" + h
}

// isOwnHost reports whether host (without port) is one of the cloud's host names.
func (c cloud) isOwnHost(host string) bool {
	for _, n := range c.hostNames() {
		if strings.EqualFold(host, n) {
			return true
		}
	}
	return false
}

// isOwnLoginURL reports whether the scheme and host of u, e.g. "https://login.microsoftonline.us",
// name the emulator's token service: URL() or the cloud's login host, on any port.
func (e *Emulator) isOwnLoginURL(scheme, host string) bool {
	if strings.EqualFold(scheme+"://"+host, e.url) {
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.EqualFold(scheme, "https") && strings.EqualFold(host, e.cloud.LoginHost)
}

// graphMetadataURL is the base of Graph's @odata.context: the cloud's Graph host, as Graph
// writes it whatever host the request came by. The context URL names the metadata document
// and is not followed by clients, so it keeps the real value even for a client of 127.0.0.1;
// a link a client follows (a nextLink) has to use baseURL instead.
func (e *Emulator) graphMetadataURL() string {
	return "https://" + e.cloud.GraphHost + "/v1.0/$metadata#"
}

// applyCloud gives the tenant's first-party resources the cloud's resource URIs: a token
// request names Graph and Exchange Online by them, and their tokens carry them as audience.
func (s *store) applyCloud(c cloud) {
	s.mu.Lock()
	defer s.mu.Unlock()
	uris := map[string]string{GraphAppID: c.GraphResource, ExchangeAppID: c.ExchangeResource}
	for _, sp := range s.sps {
		if uri, ok := uris[sp.appID]; ok {
			sp.resourceURIs, sp.audience = []string{uri}, uri
		}
		if sp.appID == AzureServiceManagementAppID {
			// ARM's tokens carry the resource URI as asked for: no fixed audience.
			sp.resourceURIs = trimSlashes(c.arm.audiences)
		}
	}
}

// graphResource is the resource URI of Microsoft Graph in the tenant's cloud, for scopes
// named without one ("User.Read"). The caller holds the lock.
func (s *store) graphResource() string {
	if g := s.spByAppID(GraphAppID, view{all: true}); g != nil && g.audience != "" {
		return g.audience
	}
	return GraphResource
}
