package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCommand builds and runs the command as a CI job would: wait for the env file, source
// it, sign in with MSAL trusting only the CA file it names, then stop it with SIGTERM.
func TestCommand(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "stellar-emulator")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	build := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	envPath := filepath.Join(dir, "emulator.env")
	const secret = "cmd-test-secret"
	var stdout, stderr syncBuffer
	cmd := exec.Command(bin, "-env-file", envPath, "-ca-dir", filepath.Join(dir, "ca"), "-bootstrap-secret", secret, "-v")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			// Kill fails only when the process has exited meanwhile; Wait's
			// answer then tells how it ended.
			_ = cmd.Process.Kill()
			t.Logf("emulator stopped by the cleanup: %v", <-done)
		}
	})

	// The env file appears, whole, once the emulator listens.
	var env map[string]string
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(envPath); err == nil {
			env = parseEnv(t, string(b))
			break
		}
		select {
		case err := <-done:
			t.Fatalf("command exited early: %v\nstderr: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no env file after 20s\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, k := range []string{"ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "STELLAR_AUTHORITY_HOST", "STELLAR_GRAPH_ENDPOINT", "STELLAR_CA_CERTIFICATE_FILE"} {
		if env[k] == "" {
			t.Fatalf("env file lacks %s: %v", k, env)
		}
	}
	if env["ARM_CLIENT_SECRET"] != secret || !filepath.IsAbs(env["STELLAR_CA_CERTIFICATE_FILE"]) || env["STELLAR_AUTHORITY_HOST"] != env["STELLAR_GRAPH_ENDPOINT"] {
		t.Fatalf("env %v", env)
	}
	if fi, _ := os.Stat(envPath); fi.Mode().Perm() != 0o600 {
		t.Fatalf("env file mode %v", fi.Mode())
	}

	pem, err := os.ReadFile(env["STELLAR_CA_CERTIFICATE_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CA file holds no certificate")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cred, _ := confidential.NewCredFromSecret(env["ARM_CLIENT_SECRET"])
	client, err := confidential.New(env["STELLAR_AUTHORITY_HOST"]+"/"+env["ARM_TENANT_ID"], env["ARM_CLIENT_ID"], cred,
		confidential.WithHTTPClient(hc), confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := client.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"})
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(res.AccessToken, ".")[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("token payload: %v", err)
	}
	if claims["aud"] != "https://graph.microsoft.com" || claims["appid"] != env["ARM_CLIENT_ID"] {
		t.Fatalf("claims %v", claims)
	}

	out := stdout.String()
	for _, want := range []string{"listening on " + env["STELLAR_AUTHORITY_HOST"], env["STELLAR_CA_CERTIFICATE_FILE"], `provider "stellar" {`, `tenant_id           = "` + env["ARM_TENANT_ID"] + `"`} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) {
		t.Error("stdout shows the client secret without -show-secret")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\nstderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGTERM")
	}
	// Read the -v log only once Wait has returned: the command writes each line before it
	// answers, but os/exec copies the child's stderr pipe into the buffer on a goroutine of its
	// own, which Wait waits for. Reading earlier raced with that copy.
	if !strings.Contains(stderr.String(), "POST /"+env["ARM_TENANT_ID"]+"/oauth2/v2.0/token 200") {
		t.Errorf("-v log lacks the token request:\n%s", stderr.String())
	}
	if _, err := os.Stat(envPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("env file left behind: %v", err)
	}
}

// parseEnv reads the "export K=V" lines, undoing single quotes as sh would.
func parseEnv(t *testing.T, s string) map[string]string {
	t.Helper()
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			t.Fatalf("env line %q is not an export", sc.Text())
		}
		k, v, _ := strings.Cut(line, "=")
		if strings.HasPrefix(v, "'") {
			v = strings.ReplaceAll(strings.Trim(v, "'"), `'\''`, "'")
		}
		env[k] = v
	}
	return env
}

func TestRunRejectsBadArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, args := range [][]string{{"-no-such-flag"}, {"extra"}, {"-latency", "soon"}} {
		if code := run(args, &out, &errOut, make(chan os.Signal)); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code := run([]string{"-addr", "256.0.0.1:0"}, &out, &errOut, make(chan os.Signal)); code != 1 {
		t.Errorf("unusable address: exit %d, want 1", code)
	}
}

// TestCloudFlag: -cloud puts the tenant in a national cloud, says so, and refuses a cloud
// that does not exist.
func TestCloudFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	stop := make(chan os.Signal, 1)
	stop <- syscall.SIGTERM // run prints what it serves, then stops at once
	if code := run([]string{"-cloud", "usgovernment"}, &stdout, &stderr, stop); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Cloud: usgovernment (also answers as login.microsoftonline.us and graph.microsoft.us; Graph resource https://graph.microsoft.us)") {
		t.Fatalf("stdout:\n%s", stdout.String())
	}
	stderr.Reset()
	if code := run([]string{"-cloud", "mars"}, &stdout, &stderr, make(chan os.Signal)); code != 1 || !strings.Contains(stderr.String(), `unknown cloud "mars"`) {
		t.Fatalf("unknown cloud: exit %d, %s", code, stderr.String())
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"https://127.0.0.1:8443": "https://127.0.0.1:8443",
		"a b":                    "'a b'",
		"it's":                   `'it'\''s'`,
		"":                       "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRoutesFlag: -routes prints the endpoint table users read in the emulator guide, without
// starting a server.
func TestRoutesFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-routes"}, &stdout, &stderr, make(chan os.Signal)); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if stdout.String() != emulator.EndpointTable() || !strings.Contains(stdout.String(), "`/v1.0/$batch`") {
		t.Fatalf("stdout:\n%s", stdout.String())
	}
}

// TestTenantsAndStateFile: -tenants serves several tenants and prints each with its people
// and roles (no password, no secret without -show-secret); -state-file keeps the directory's
// dump, rewritten on SIGUSR1, until the emulator stops.
func TestTenantsAndStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	var stdout, stderr bytes.Buffer
	stop := make(chan os.Signal, 2)
	stop <- syscall.SIGUSR1 // writes the state file, then the emulator goes on
	stop <- syscall.SIGTERM
	if code := run([]string{"-tenants", "2", "-state-file", path, "-bootstrap-secret", "cmd-secret"}, &stdout, &stderr, stop); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"Tenant: Contoso " + emulator.SeedTenantID, "Tenant: Fabrikam ", "admin@fabrikam.com", "Global Administrator",
		"no.mailbox@contoso.com", "no directory role, no mailbox", "State file: " + path, "state written to " + path} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{emulator.SeedUserPassword, "cmd-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("stdout shows %q without -show-secret", secret)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st emulator.State
	if err := json.Unmarshal(b, &st); err != nil || len(st.Tenants) != 2 || st.Tenants[1].DefaultDomain != "fabrikam.com" {
		t.Fatalf("state file: %v %s", err, b)
	}

	stdout.Reset()
	stop <- syscall.SIGTERM
	if code := run([]string{"-show-secret", "-bootstrap-secret", "cmd-secret"}, &stdout, &stderr, stop); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, emulator.SeedUserPassword) || !strings.Contains(out, "secret cmd-secret") {
		t.Errorf("-show-secret does not show the password and secret:\n%s", out)
	}
	if code := run([]string{"-tenants", "0"}, &stdout, &stderr, make(chan os.Signal)); code != 2 {
		t.Errorf("-tenants 0: exit %d, want 2", code)
	}
}
