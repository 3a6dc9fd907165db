// Command stellar-emulator runs the tenant emulator on its own: a local Entra ID token service
// and Microsoft Graph for the stellar provider, for demos, manual testing and CI jobs.
//
//	stellar-emulator [-addr 127.0.0.1:0] [-ca-dir DIR] [-env-file FILE] [-faults FILE]
//	                 [-latency 0s] [-replication-lag 0s] [-bootstrap-secret S] [-show-secret] [-v]
//	                 [-cloud global|usgovernment|dod|china] [-tenants N] [-state-file FILE] [-hosts]
//	stellar-emulator -routes
//
// Once it listens it writes FILE (if given) atomically with the provider's environment
// (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET, STELLAR_AUTHORITY_HOST,
// STELLAR_GRAPH_ENDPOINT, STELLAR_CA_CERTIFICATE_FILE) of the first tenant, so a script can
// wait for the file and source it. It prints the URL, the CA file, each tenant with its
// bootstrap application and people, and a provider block, and runs until SIGINT or SIGTERM,
// when it removes the env file again. With -state-file it keeps a JSON dump of the directory
// there, rewritten after every change, on SIGUSR1 and on exit. -routes prints the endpoints
// it serves.
//
// -hosts is hosts mode: the emulator stands in for the cloud's real hosts
// (login.microsoftonline.com, graph.microsoft.com, management.azure.com, ...), on
// 127.0.0.1:443 unless -addr says otherwise, for tools that take no custom endpoint. It prints
// the hosts-file line and the CA variables those tools need, and the env file names the real
// hosts.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
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
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

// run is the command without its process: testable with any writers and signal channel.
// SIGUSR1 writes the state file; any other signal stops the emulator.
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
	tenants := fs.Int("tenants", 1, "how many tenants to serve, each with its own bootstrap application and people")
	stateFile := fs.String("state-file", "", "keep a JSON dump of the directory (no secrets) in this file: rewritten after every change, on SIGUSR1 and on exit")
	hosts := fs.Bool("hosts", false, "hosts mode: stand in for the cloud's real hosts, reached through hosts-file entries (default address 127.0.0.1:443)")
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

	if *tenants < 1 {
		fmt.Fprintf(stderr, "stellar-emulator: -tenants %d: want at least 1\n", *tenants)
		return 2
	}
	if *hosts && !flagSet(fs, "addr") {
		*addr = "" // hosts mode's default, 127.0.0.1:443
	}
	opts := emulator.Options{Addr: *addr, CADir: *caDir, BootstrapSecret: *secret, Latency: *latency, ReplicationLag: *lag, FaultsFile: *faults, Cloud: *cloud,
		Tenants: *tenants, StateFile: *stateFile, Hosts: *hosts}
	if *verbose {
		opts.OnRequest = requestLogger(stderr)
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

	printBanner(stdout, e, *envFile, *stateFile, *showSecret)
	sig := waitForStop(e, stop, stdout, stderr, *stateFile)
	fmt.Fprintf(stdout, "stellar-emulator: %v, stopping\n", sig)
	if err := e.Close(); err != nil {
		fmt.Fprintf(stderr, "stellar-emulator: %v\n", err)
		return 1
	}
	return 0
}

// requestLogger prints each request as the emulator serves it (-v).
func requestLogger(w io.Writer) func(emulator.Request) {
	return func(r emulator.Request) {
		q := ""
		if r.Query != "" {
			q = "?" + r.Query
		}
		batch := ""
		if r.InBatch {
			batch = " (batch)"
		}
		fmt.Fprintf(w, "%s %s %s%s %d %s %s%s\n", r.Time.Format(time.RFC3339), r.Method, r.Path, q, r.Status, r.Code, r.Duration.Round(time.Millisecond), batch)
	}
}

// printBanner says what the emulator serves and where: URL, CA, files, each tenant with its
// people, and a provider block for the first tenant.
func printBanner(stdout io.Writer, e *emulator.Emulator, envFile, stateFile string, showSecret bool) {
	fmt.Fprintf(stdout, "stellar-emulator listening on %s\n", e.URL())
	fmt.Fprintf(stdout, "CA certificate: %s\n", e.CAFile())
	fmt.Fprintf(stdout, "ARM metadata host: %s (%s/metadata/endpoints?api-version=2022-09-01)\n", strings.TrimPrefix(e.URL(), "https://"), e.URL())
	if c := e.Cloud(); c.Name != "global" {
		fmt.Fprintf(stdout, "Cloud: %s (also answers as %s and %s; Graph resource %s)\n", c.Name, c.LoginHost, c.GraphHost, c.GraphResource)
	}
	if envFile != "" {
		fmt.Fprintf(stdout, "Environment: %s (source it: . %s)\n", envFile, envFile)
	}
	if stateFile != "" {
		fmt.Fprintf(stdout, "State file: %s (kill -USR1 %d rewrites it)\n", stateFile, os.Getpid())
	}
	if e.HostsMode() {
		fmt.Fprint(stdout, hostsHelp(e))
	}
	for i, s := range e.Seeds() {
		fmt.Fprintf(stdout, "\n%s", tenantSummary(s, i == 0 && envFile != "", showSecret))
	}
	fmt.Fprintf(stdout, "\n%s\n", providerBlock(e, e.Seed(), showSecret))
}

// waitForStop serves until a signal other than SIGUSR1 comes, writing the state file on each
// SIGUSR1, and returns that signal.
func waitForStop(e *emulator.Emulator, stop <-chan os.Signal, stdout, stderr io.Writer, stateFile string) os.Signal {
	for sig := range stop {
		if sig != syscall.SIGUSR1 {
			return sig
		}
		if err := e.WriteStateFile(); err != nil {
			fmt.Fprintf(stderr, "stellar-emulator: SIGUSR1: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "stellar-emulator: state written to %s\n", stateFile)
		}
	}
	return nil
}

// tenantSummary describes one tenant: its ids, its bootstrap application and its people with
// their directory roles. Passwords and the client secret only with -show-secret; inEnvFile:
// the env file holds this tenant's secret.
func tenantSummary(s emulator.Seed, inEnvFile, showSecret bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tenant: %s %s (%s, %s)\n", s.DisplayName, s.TenantID, s.TenantDomain, s.InitialDomain)
	secret := "secret: -show-secret prints it"
	switch {
	case showSecret:
		secret = "secret " + s.BootstrapSecret
	case inEnvFile:
		secret = "secret: ARM_CLIENT_SECRET in the env file; -show-secret prints it"
	}
	fmt.Fprintf(&b, "  bootstrap application: client ID %s (%s)\n", s.BootstrapClientID, secret)
	password := "-show-secret prints it"
	if showSecret {
		password = emulator.SeedUserPassword
	}
	fmt.Fprintf(&b, "  people, each signing in with the seeded password (%s):\n", password)
	for _, u := range s.Users {
		roles := "no directory role"
		if len(u.Roles) > 0 {
			roles = strings.Join(emulator.RoleNames(u.Roles), ", ")
		}
		mailbox := ""
		if !u.HasMailbox {
			mailbox = ", no mailbox"
		}
		fmt.Fprintf(&b, "    %-28s %s%s\n", u.UPN, roles, mailbox)
	}
	return b.String()
}

// envLines are the shell lines of the env file, one export per variable.
func envLines(e *emulator.Emulator, s emulator.Seed) string {
	vars := [][2]string{
		{"ARM_TENANT_ID", s.TenantID},
		{"ARM_CLIENT_ID", s.BootstrapClientID},
		{"ARM_CLIENT_SECRET", s.BootstrapSecret},
		{"STELLAR_AUTHORITY_HOST", e.AuthorityHost()},
		{"STELLAR_GRAPH_ENDPOINT", e.GraphEndpoint()},
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
}`, s.TenantID, s.BootstrapClientID, secretLine, e.AuthorityHost(), e.GraphEndpoint(), e.CAFile())
}

// flagSet reports whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// hostsHelp tells how to point tools at the emulator in hosts mode: the hosts-file line for
// the real host names and the variables that make the common runtimes trust the CA.
func hostsHelp(e *emulator.Emulator) string {
	ip := strings.TrimPrefix(e.URL(), "https://")
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hosts mode: the emulator answers as %s\n", strings.Join(e.RealHostNames(), ", "))
	fmt.Fprintf(&b, "  hosts-file line (/etc/hosts):  %s %s\n", ip, strings.Join(e.RealHostNames(), " "))
	fmt.Fprintf(&b, "  trust its CA:  export SSL_CERT_FILE=%s REQUESTS_CA_BUNDLE=%s NODE_EXTRA_CA_CERTS=%s\n", shellQuote(e.CAFile()), shellQuote(e.CAFile()), shellQuote(e.CAFile()))
	b.WriteString("  (SSL_CERT_FILE replaces the system's roots: for other hosts too, point it at a bundle of both)\n")
	return b.String()
}
