// Command stellar-emulator runs the tenant emulator on its own: a local Entra ID token service
// and Microsoft Graph for the stellar provider, for demos, manual testing and CI jobs.
//
//	stellar-emulator [-addr 127.0.0.1:0] [-ca-dir DIR] [-env-file FILE] [-faults FILE]
//	                 [-latency 0s] [-replication-lag 0s] [-bootstrap-secret S] [-show-secret] [-v]
//	                 [-cloud global|usgovernment|dod|china]
//	stellar-emulator -routes
//
// Once it listens it writes FILE (if given) atomically with the provider's environment
// (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET, STELLAR_AUTHORITY_HOST,
// STELLAR_GRAPH_ENDPOINT, STELLAR_CA_CERTIFICATE_FILE), so a script can wait for the file and
// source it. It prints the URL, the CA file and a provider block, and runs until SIGINT or
// SIGTERM, when it removes the env file again. -routes prints the endpoints it serves.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/atomicfile"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

// run is the command without its process: testable with any writers and stop channel.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	fs := flag.NewFlagSet("stellar-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	caDir := fs.String("ca-dir", "", "directory keeping ca.pem and ca-key.pem across restarts (default: a new CA each run)")
	envFile := fs.String("env-file", "", "write the provider's environment variables to this file once listening")
	faults := fs.String("faults", "", "JSON file with a list of faults to inject")
	latency := fs.Duration("latency", 0, "delay added to every request")
	lag := fs.Duration("replication-lag", 0, "how long new objects stay invisible to other reads")
	secret := fs.String("bootstrap-secret", "", "client secret of the bootstrap application (default: random)")
	showSecret := fs.Bool("show-secret", false, "print the client secret in the provider block")
	verbose := fs.Bool("v", false, "log every request to stderr")
	cloud := fs.String("cloud", "global", "national cloud of the tenant: global, usgovernment (GCC High), dod or china")
	routes := fs.Bool("routes", false, "print every endpoint the emulator serves, as a Markdown table, and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *routes {
		fmt.Fprint(stdout, emulator.EndpointTable())
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "stellar-emulator: unexpected arguments %q\n", fs.Args())
		return 2
	}

	opts := emulator.Options{Addr: *addr, CADir: *caDir, BootstrapSecret: *secret, Latency: *latency, ReplicationLag: *lag, FaultsFile: *faults, Cloud: *cloud}
	if *verbose {
		opts.OnRequest = func(r emulator.Request) {
			q := ""
			if r.Query != "" {
				q = "?" + r.Query
			}
			batch := ""
			if r.InBatch {
				batch = " (batch)"
			}
			fmt.Fprintf(stderr, "%s %s %s%s %d %s %s%s\n", r.Time.Format(time.RFC3339), r.Method, r.Path, q, r.Status, r.Code, r.Duration.Round(time.Millisecond), batch)
		}
	}
	e, err := emulator.Start(opts)
	if err != nil {
		fmt.Fprintf(stderr, "stellar-emulator: %v\n", err)
		return 1
	}
	defer e.Close()

	seed := e.Seed()
	env := envLines(e, seed)
	if *envFile != "" {
		path, err := filepath.Abs(*envFile)
		if err == nil {
			// 0600: the file holds the client secret.
			err = atomicfile.Write(path, []byte(env), 0o600)
		}
		if err != nil {
			fmt.Fprintf(stderr, "stellar-emulator: env file: %v\n", err)
			return 1
		}
		*envFile = path
		defer os.Remove(path) // a stale file would point scripts at a dead port
	}

	fmt.Fprintf(stdout, "stellar-emulator listening on %s\n", e.URL())
	fmt.Fprintf(stdout, "CA certificate: %s\n", e.CAFile())
	fmt.Fprintf(stdout, "Tenant: %s (%s)\n", seed.TenantID, seed.TenantDomain)
	if c := e.Cloud(); c.Name != "global" {
		fmt.Fprintf(stdout, "Cloud: %s (also answers as %s and %s; Graph resource %s)\n", c.Name, c.LoginHost, c.GraphHost, c.GraphResource)
	}
	if *envFile != "" {
		fmt.Fprintf(stdout, "Environment: %s (source it: . %s)\n", *envFile, *envFile)
	}
	fmt.Fprintf(stdout, "\n%s\n", providerBlock(e, seed, *showSecret))

	sig := <-stop
	fmt.Fprintf(stdout, "stellar-emulator: %v, stopping\n", sig)
	if err := e.Close(); err != nil {
		fmt.Fprintf(stderr, "stellar-emulator: %v\n", err)
		return 1
	}
	return 0
}

// envLines are the shell lines of the env file, one export per variable.
func envLines(e *emulator.Emulator, s emulator.Seed) string {
	vars := [][2]string{
		{"ARM_TENANT_ID", s.TenantID},
		{"ARM_CLIENT_ID", s.BootstrapClientID},
		{"ARM_CLIENT_SECRET", s.BootstrapSecret},
		{"STELLAR_AUTHORITY_HOST", e.URL()},
		{"STELLAR_GRAPH_ENDPOINT", e.URL()},
		{"STELLAR_CA_CERTIFICATE_FILE", e.CAFile()},
	}
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "export %s=%s\n", v[0], shellQuote(v[1]))
	}
	return b.String()
}

// shellQuote single-quotes a value for sh, unless it is made only of safe characters.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !shellSafe(c) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellSafe reports whether c needs no quoting for sh.
func shellSafe(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:/@%+=,~", c)
}

func providerBlock(e *emulator.Emulator, s emulator.Seed, showSecret bool) string {
	secretLine := `  # client_secret comes from ARM_CLIENT_SECRET (see the env file; -show-secret prints it)`
	if showSecret {
		secretLine = fmt.Sprintf("  client_secret       = %q", s.BootstrapSecret)
	}
	return fmt.Sprintf(`provider "stellar" {
  tenant_id           = %q
  client_id           = %q
%s
  authority_host      = %q
  graph_endpoint      = %q
  ca_certificate_file = %q
}`, s.TenantID, s.BootstrapClientID, secretLine, e.URL(), e.URL(), e.CAFile())
}
