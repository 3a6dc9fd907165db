package auth

import "strings"

// Cloud holds the endpoints of one Microsoft cloud. GraphEndpoint is where
// Graph requests go; GraphResource is what a token is requested for. They are
// equal in every real cloud but are kept apart because an override of the
// endpoint (an emulator, a proxy) must never change the token audience.
type Cloud struct {
	Name             string
	AuthorityHost    string
	GraphEndpoint    string
	GraphResource    string
	ExchangeResource string
}

// The clouds the provider knows, by the names accepted in `environment`.
var (
	Global = Cloud{
		Name:             "global",
		AuthorityHost:    "https://login.microsoftonline.com",
		GraphEndpoint:    "https://graph.microsoft.com",
		GraphResource:    "https://graph.microsoft.com",
		ExchangeResource: "https://outlook.office365.com",
	}
	USGovernment = Cloud{
		Name:             "usgovernment",
		AuthorityHost:    "https://login.microsoftonline.us",
		GraphEndpoint:    "https://graph.microsoft.us",
		GraphResource:    "https://graph.microsoft.us",
		ExchangeResource: "https://outlook.office365.us",
	}
	// USGovernmentDoD is US Government L5 (DoD): the same sign-in host as L4, its own Graph.
	USGovernmentDoD = Cloud{
		Name:             "dod",
		AuthorityHost:    "https://login.microsoftonline.us",
		GraphEndpoint:    "https://dod-graph.microsoft.us",
		GraphResource:    "https://dod-graph.microsoft.us",
		ExchangeResource: "https://outlook-dod.office365.us",
	}
	China = Cloud{
		Name:             "china",
		AuthorityHost:    "https://login.chinacloudapi.cn",
		GraphEndpoint:    "https://microsoftgraph.chinacloudapi.cn",
		GraphResource:    "https://microsoftgraph.chinacloudapi.cn",
		ExchangeResource: "https://partner.outlook.cn",
	}
)

// CloudNames lists the accepted environment names, for validators and docs: the azuread
// provider's names and aliases.
func CloudNames() []string {
	return []string{"global", "public", "usgovernment", "usgovernmentl4", "dod", "usgovernmentl5", "china"}
}

// LookupCloud returns the cloud called name (case-insensitive), by the names the azuread
// provider accepts in `environment` and ARM_ENVIRONMENT: global or public; usgovernment or
// usgovernmentl4 (GCC High); dod or usgovernmentl5; china. An empty name means global.
func LookupCloud(name string) (Cloud, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "global", "public":
		return Global, true
	case "usgovernment", "usgovernmentl4":
		return USGovernment, true
	case "dod", "usgovernmentl5":
		return USGovernmentDoD, true
	case "china":
		return China, true
	}
	return Cloud{}, false
}
