package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// A person signs in (device code or browser) outside Terraform, with the provider binary's
// `login` command, because Terraform shows a provider nothing of its output: a device code
// printed during `terraform plan` would reach only the log. The sign-in lands in a token
// cache on disk, which the provider then reads, refreshing tokens silently; the plan process
// and the apply process each read it, so the person signs in once.

// Settings a person's sign-in can blame.
const (
	SettingUseDeviceCode  = "use_device_code"
	SettingPublicClientID = "public_client_id"
)

// GraphCLIClientID is the default client a person signs in to: Microsoft Graph Command Line
// Tools, a first-party public client every tenant can use, which takes consent for the
// scopes it asks (the Azure CLI's scopes are fixed by Microsoft).
const GraphCLIClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

// RegistrationScopes are the delegated Microsoft Graph scopes registering and consenting an
// application takes.
var RegistrationScopes = []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"}

// PersonOptions configure a person's sign-in and the credential that reads it back.
type PersonOptions struct {
	AuthorityHost string
	TenantID      string
	ClientID      string // default GraphCLIClientID
	// CacheDir holds the token caches, one file per cloud, tenant and client (mode 0600);
	// default: the user cache directory's terraform-provider-stellar/tokens.
	CacheDir   string
	HTTPClient *http.Client
	// GraphResource is what the scopes are for, e.g. https://graph.microsoft.com.
	GraphResource string
}

func (o PersonOptions) withDefaults() (PersonOptions, error) {
	if o.ClientID == "" {
		o.ClientID = GraphCLIClientID
	}
	if o.AuthorityHost == "" {
		o.AuthorityHost = Global.AuthorityHost
	}
	if o.GraphResource == "" {
		o.GraphResource = Global.GraphResource
	}
	if o.TenantID == "" || strings.ContainsAny(o.TenantID, " /?#") {
		return o, configError(SettingTenantID, "tenant_id must be the target tenant's GUID or a verified domain name")
	}
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return o, configError("token_cache_dir", "no user cache directory to keep the sign-in in: set token_cache_dir")
		}
		o.CacheDir = filepath.Join(base, "terraform-provider-stellar", "tokens")
	}
	if o.HTTPClient == nil {
		hc, err := NewHTTPClient("")
		if err != nil {
			return o, err
		}
		o.HTTPClient = hc
	}
	return o, nil
}

// CacheFile is the token cache of one cloud, tenant and client.
func (o PersonOptions) CacheFile() string {
	h := sha256.Sum256([]byte(strings.ToLower(o.AuthorityHost + "|" + o.TenantID + "|" + o.ClientID)))
	return filepath.Join(o.CacheDir, hex.EncodeToString(h[:8])+".json")
}

func (o PersonOptions) scopes(resource string) []string {
	res := strings.TrimRight(resource, "/")
	if !strings.EqualFold(res, strings.TrimRight(o.GraphResource, "/")) {
		return []string{res + "/.default"}
	}
	out := make([]string, len(RegistrationScopes))
	for i, s := range RegistrationScopes {
		out[i] = res + "/" + s
	}
	return out
}

func (o PersonOptions) client() (public.Client, error) {
	return public.New(o.ClientID,
		public.WithAuthority(strings.TrimRight(o.AuthorityHost, "/")+"/"+o.TenantID),
		public.WithHTTPClient(withTokenRetry(o.HTTPClient)),
		public.WithCache(&fileCache{path: o.CacheFile()}),
		public.WithInstanceDiscovery(false))
}

// personCredential serves a person's tokens from the cache that `login` filled.
type personCredential struct {
	mu     sync.Mutex
	o      PersonOptions
	client *public.Client // built on first use, once the tenant is resolved
}

// NewPersonCredential returns the credential of the person who signed in with `login` for
// o's cloud, tenant and client.
func NewPersonCredential(o PersonOptions) (Credential, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	return &personCredential{o: o}, nil
}

// resolved returns o with its tenant as a GUID: a sign-in is cached under the tenant's ID,
// so that `login -tenant contoso.com` serves tenant_id = "<GUID>" and the reverse.
func (o PersonOptions) resolved(ctx context.Context) (PersonOptions, error) {
	if isGUID(o.TenantID) {
		o.TenantID = strings.ToLower(o.TenantID)
		return o, nil
	}
	id, err := DiscoverTenant(ctx, o.HTTPClient, o.AuthorityHost, o.TenantID)
	if err != nil {
		return o, err
	}
	o.TenantID = id
	return o, nil
}

func (c *personCredential) Token(ctx context.Context, resource string) (AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		o, err := c.o.resolved(ctx)
		if err != nil {
			return AccessToken{}, err
		}
		cl, err := o.client()
		if err != nil {
			return AccessToken{}, configError(SettingAuthorityHost, "invalid authority: "+err.Error())
		}
		c.o, c.client = o, &cl
	}
	accounts, err := c.client.Accounts(ctx)
	if err != nil {
		return AccessToken{}, &Error{Description: "cannot read the token cache " + c.o.CacheFile() + ": " + err.Error(), Setting: "token_cache_dir", kind: kindConfig,
			fix: "Check that the file is readable, or run the login command again (below)."}
	}
	if len(accounts) == 0 {
		return AccessToken{}, c.notSignedIn("nobody has signed in to tenant " + c.o.TenantID + " with this provider yet")
	}
	var lastErr error
	for _, acct := range accounts {
		res, err := c.client.AcquireTokenSilent(ctx, c.o.scopes(resource), public.WithSilentAccount(acct))
		if err == nil {
			return AccessToken{Value: res.AccessToken, ExpiresOn: res.ExpiresOn}, nil
		}
		lastErr = err
	}
	return AccessToken{}, c.notSignedIn("the cached sign-in can no longer be used (" + msalReason(ctx, c.o, lastErr) + ")")
}

func (c *personCredential) notSignedIn(why string) *Error {
	return &Error{Description: why, Setting: SettingUseDeviceCode, kind: kindConfig, fix: "Sign in in a terminal first: " + LoginCommand(c.o) +
		". It shows a code to enter at the sign-in page (or opens the browser with -browser); the provider then reads that sign-in."}
}

// LoginCommand is the command line that signs a person in for o.
func LoginCommand(o PersonOptions) string {
	cmd := "`terraform-provider-stellar login -tenant " + o.TenantID
	if o.ClientID != "" && o.ClientID != GraphCLIClientID {
		cmd += " -public-client-id " + o.ClientID
	}
	return cmd + "`"
}

// msalReason is what MSAL's error says, Entra's AADSTS line included, without the request
// it may carry.
func msalReason(ctx context.Context, o PersonOptions, err error) string {
	if err == nil {
		return "unknown"
	}
	return fromMSAL(ctx, err, strings.TrimRight(o.AuthorityHost, "/")+"/"+o.TenantID, "").Error()
}

// SignInPerson signs a person in interactively and stores the sign-in in o's cache: by
// device code (prompt shows the person the code and where to enter it) or, with openURL set,
// in the browser (openURL opens the sign-in page). It returns who signed in.
func SignInPerson(ctx context.Context, o PersonOptions, prompt func(message string), openURL func(string) error) (string, error) {
	o, err := o.withDefaults()
	if err != nil {
		return "", err
	}
	if o, err = o.resolved(ctx); err != nil {
		return "", err
	}
	if err := os.MkdirAll(o.CacheDir, 0o700); err != nil {
		return "", err
	}
	c, err := o.client()
	if err != nil {
		return "", err
	}
	scopes := o.scopes(o.GraphResource)
	var res public.AuthResult
	if openURL != nil {
		res, err = c.AcquireTokenInteractive(ctx, scopes, public.WithOpenURL(openURL))
	} else {
		var dc public.DeviceCode
		if dc, err = c.AcquireTokenByDeviceCode(ctx, scopes); err == nil {
			prompt(dc.Result.Message)
			res, err = dc.AuthenticationResult(ctx)
		}
	}
	if err != nil {
		return "", fmt.Errorf("sign-in failed: %s", msalReason(ctx, o, err))
	}
	return res.Account.PreferredUsername, nil
}

// SignOut removes o's token cache.
func SignOut(ctx context.Context, o PersonOptions) (string, error) {
	o, err := o.withDefaults()
	if err != nil {
		return "", err
	}
	if o, err = o.resolved(ctx); err != nil {
		return "", err
	}
	f := o.CacheFile()
	if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
		return f, err
	}
	return f, nil
}

// isGUID reports whether s has a GUID's 8-4-4-4-12 hexadecimal form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", c):
			return false
		}
	}
	return true
}
