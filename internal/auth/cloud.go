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
	China = Cloud{
		Name:             "china",
		AuthorityHost:    "https://login.chinacloudapi.cn",
		GraphEndpoint:    "https://microsoftgraph.chinacloudapi.cn",
		GraphResource:    "https://microsoftgraph.chinacloudapi.cn",
		ExchangeResource: "https://partner.outlook.cn",
	}
)

// CloudNames lists the accepted environment names, for validators and docs.
func CloudNames() []string { return []string{Global.Name, USGovernment.Name, China.Name} }

// LookupCloud returns the cloud called name ("global", "usgovernment",
// "china"; case-insensitive). An empty name means global, as ARM_ENVIRONMENT
// does in the azurerm and azuread providers, which accept "public" for it too.
func LookupCloud(name string) (Cloud, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "global", "public":
		return Global, true
	case "usgovernment":
		return USGovernment, true
	case "china":
		return China, true
	}
	return Cloud{}, false
}
