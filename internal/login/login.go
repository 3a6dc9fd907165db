// Package login is the provider binary's `login` and `logout` commands. Terraform shows a
// provider's output to nobody, so a person signs in here, in their terminal, before
// `terraform plan`: the device code (or the browser) appears on their screen, and the sign-in
// goes to the token cache that the provider reads with use_device_code or use_browser.
package login

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/auth"
)

// Run runs `login` or `logout` (args[0]) and returns the exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "login" && args[0] != "logout") {
		fmt.Fprintln(stderr, "usage: terraform-provider-stellar login|logout [flags]")
		return 2
	}
	fs := flag.NewFlagSet("terraform-provider-stellar "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenant := fs.String("tenant", os.Getenv("ARM_TENANT_ID"), "the target tenant: its ID or a verified domain (ARM_TENANT_ID)")
	environment := fs.String("environment", os.Getenv("ARM_ENVIRONMENT"), "the Microsoft cloud: global, usgovernment or china (ARM_ENVIRONMENT)")
	authorityHost := fs.String("authority-host", os.Getenv("STELLAR_AUTHORITY_HOST"), "the sign-in host, if not the cloud's (STELLAR_AUTHORITY_HOST)")
	caFile := fs.String("ca-file", os.Getenv("STELLAR_CA_CERTIFICATE_FILE"), "extra CAs to trust, PEM (STELLAR_CA_CERTIFICATE_FILE)")
	clientID := fs.String("public-client-id", os.Getenv("STELLAR_PUBLIC_CLIENT_ID"), "the client to sign in to (STELLAR_PUBLIC_CLIENT_ID; default Microsoft Graph Command Line Tools)")
	cacheDir := fs.String("token-cache-dir", os.Getenv("STELLAR_TOKEN_CACHE_DIR"), "where the sign-in is kept (STELLAR_TOKEN_CACHE_DIR)")
	browser := fs.Bool("browser", false, "sign in in the browser instead of with a device code")
	timeout := fs.Duration("timeout", 15*time.Minute, "how long to wait for the person to sign in")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	cloud, ok := auth.LookupCloud(*environment)
	if !ok {
		fmt.Fprintf(stderr, "unknown environment %q: use global, usgovernment or china\n", *environment)
		return 2
	}
	if *authorityHost != "" {
		cloud.AuthorityHost = *authorityHost
	}
	hc, err := auth.NewHTTPClient(*caFile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	o := auth.PersonOptions{AuthorityHost: cloud.AuthorityHost, TenantID: *tenant, ClientID: *clientID, CacheDir: *cacheDir,
		HTTPClient: hc, GraphResource: cloud.GraphResource}
	if args[0] == "logout" {
		f, err := auth.SignOut(context.Background(), o)
		if err != nil {
			fmt.Fprintln(stderr, explain(err))
			return 1
		}
		fmt.Fprintf(stdout, "Signed out: removed %s.\n", f)
		return 0
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	prompt := func(msg string) { fmt.Fprintf(stdout, "%s\nWaiting for you to sign in...\n", msg) }
	var openURL func(string) error
	if *browser {
		openURL = func(u string) error {
			fmt.Fprintf(stdout, "Opening the sign-in page in your browser. If it does not open, visit:\n%s\n", u)
			return openBrowser(u)
		}
	}
	who, err := auth.SignInPerson(ctx, o, prompt, openURL)
	if err != nil {
		fmt.Fprintln(stderr, explain(err))
		return 1
	}
	fmt.Fprintf(stdout, "Signed in as %s. Set use_device_code (or use_browser) = true and tenant_id = %q in the provider block; "+
		"`terraform-provider-stellar logout -tenant %s` signs out.\n", who, *tenant, *tenant)
	return 0
}

func explain(err error) string {
	var aerr *auth.Error
	if errors.As(err, &aerr) {
		return aerr.Error() + "\n" + aerr.Fix()
	}
	return err.Error()
}

// openBrowser opens u in $BROWSER, or the system's default browser.
func openBrowser(u string) error {
	if b := os.Getenv("BROWSER"); b != "" {
		return exec.Command(b, u).Start()
	}
	switch runtime.GOOS {
	case "darwin":
		return exec.Command("open", u).Start()
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", u).Start()
	default:
		return exec.Command("xdg-open", u).Start()
	}
}
