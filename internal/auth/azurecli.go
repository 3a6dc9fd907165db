package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// SettingUseCLI is the provider setting that selects the Azure CLI.
const SettingUseCLI = "use_cli"

// AzureCLIOptions configure NewAzureCLICredential.
type AzureCLIOptions struct {
	// TenantID, when set, is passed as --tenant, so the token is for that tenant even when
	// the CLI's default account is another.
	TenantID string
	// Command is the az executable, found on PATH; default "az".
	Command string
	// Timeout bounds one az call (az starts slowly: Python); default 30 s.
	Timeout time.Duration
}

// azureCLICredential asks the Azure CLI for tokens of the person signed in with `az login`,
// as the azuread provider does with use_cli. Tokens are cached per resource until shortly
// before they expire: az spawns a Python process per call.
type azureCLICredential struct {
	o    AzureCLIOptions
	memo tokenMemo
}

// NewAzureCLICredential returns a credential that runs `az account get-access-token`.
func NewAzureCLICredential(o AzureCLIOptions) (Credential, error) {
	if o.Command == "" {
		o.Command = "az"
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if strings.ContainsAny(o.TenantID, " /?#") {
		return nil, configError(SettingTenantID, "tenant_id must be a tenant GUID or a verified domain name")
	}
	return &azureCLICredential{o: o}, nil
}

func (c *azureCLICredential) Token(ctx context.Context, resource string) (AccessToken, error) {
	return c.memo.get(ctx, resource, c.fetch)
}

// fetch runs az with the v2 --scope form that MSAL-based az (2.30 and later) takes, and
// falls back to the v1 --resource form older ones know.
func (c *azureCLICredential) fetch(ctx context.Context, resource string) (AccessToken, error) {
	out, stderr, err := c.run(ctx, "--scope", scopeFor(resource))
	if err != nil && strings.Contains(stderr, "unrecognized arguments: --scope") {
		out, stderr, err = c.run(ctx, "--resource", strings.TrimRight(resource, "/"))
	}
	if err != nil {
		return AccessToken{}, cliError(c.o, err, stderr)
	}
	return parseCLIToken(out)
}

func (c *azureCLICredential) run(ctx context.Context, kind, value string) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	args := []string{"account", "get-access-token", "--output", "json", kind, value}
	if c.o.TenantID != "" {
		args = append(args, "--tenant", c.o.TenantID)
	}
	cmd := exec.CommandContext(ctx, c.o.Command, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return stdout.Bytes(), stderr.String(), err
}

// cliError explains a failed az call: not installed, not signed in, or what az said.
func cliError(o AzureCLIOptions, err error, stderr string) *Error {
	msg := strings.TrimSpace(stderr)
	tenantFlag := ""
	if o.TenantID != "" {
		tenantFlag = " --tenant " + o.TenantID
	}
	login := "az login --allow-no-subscriptions" + tenantFlag
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return &Error{Description: "the Azure CLI (" + o.Command + ") is not on PATH", Setting: SettingUseCLI, kind: kindConfig,
			fix: "Install the Azure CLI (https://aka.ms/azure-cli) and sign in with `" + login + "`, or choose another sign-in method " +
				"(unset use_cli / ARM_USE_CLI)."}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return &Error{Description: "the Azure CLI did not answer in " + o.Timeout.String(), Setting: SettingUseCLI, kind: kindTransport, cause: err,
			fix: "Run `az account get-access-token` by hand to see why it hangs (a prompt, a proxy)."}
	case strings.Contains(msg, "az login"):
		return &Error{Description: "the Azure CLI is not signed in: " + msg, Setting: SettingUseCLI, kind: kindConfig,
			fix: "Sign in as an administrator of the target tenant with `" + login + "`, then run Terraform again."}
	}
	if msg == "" {
		msg = err.Error()
	}
	return &Error{Description: "the Azure CLI failed: " + msg, Setting: SettingUseCLI, kind: kindOther,
		fix: "Run `az account get-access-token" + tenantFlag + "` by hand and fix what it reports; `" + login + "` signs in again."}
}

// parseCLIToken reads get-access-token's JSON. expires_on (Unix seconds, az 2.54 and later)
// is preferred; expiresOn is a local time without zone, as older az write it.
func parseCLIToken(out []byte) (AccessToken, error) {
	var raw struct {
		AccessToken string          `json:"accessToken"`
		ExpiresOn   string          `json:"expiresOn"`
		ExpiresOnTS json.RawMessage `json:"expires_on"`
	}
	if err := json.Unmarshal(out, &raw); err != nil || raw.AccessToken == "" {
		return AccessToken{}, &Error{Description: "the Azure CLI printed no access token", Setting: SettingUseCLI, kind: kindOther,
			fix: "Update the Azure CLI (az upgrade) and run `az account get-access-token` by hand."}
	}
	t := AccessToken{Value: raw.AccessToken}
	if n, err := strconv.ParseInt(strings.Trim(string(raw.ExpiresOnTS), `"`), 10, 64); err == nil && n > 0 {
		t.ExpiresOn = time.Unix(n, 0)
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02 15:04:05"} {
		if e, err := time.ParseInLocation(layout, raw.ExpiresOn, time.Local); err == nil {
			t.ExpiresOn = e
			return t, nil
		}
	}
	return AccessToken{}, &Error{Description: fmt.Sprintf("the Azure CLI gave a token without a readable expiry (expiresOn %q)", raw.ExpiresOn),
		Setting: SettingUseCLI, kind: kindOther, fix: "Update the Azure CLI (az upgrade)."}
}
