package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunHostsMode: with -hosts the env file names the real hosts, on the port the emulator
// took, and the banner gives the hosts-file line and the CA variables.
func TestRunHostsMode(t *testing.T) {
	dir := t.TempDir()
	envPath := filepath.Join(dir, "hosts.env")
	stop := make(chan os.Signal, 1)
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-hosts", "-addr", "127.0.0.1:0", "-env-file", envPath}, &stdout, &stderr, stop)
	}()

	var env map[string]string
	for deadline := time.Now().Add(20 * time.Second); ; {
		if b, err := os.ReadFile(envPath); err == nil {
			env = parseEnv(t, string(b))
			break
		}
		select {
		case code := <-done:
			t.Fatalf("run exited early: %d\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no env file after 20s\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The banner is written before the emulator waits for a signal; stop it and read it.
	stop <- syscall.SIGTERM
	if code := <-done; code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}

	out := stdout.String()
	_, port, _ := strings.Cut(strings.TrimPrefix(lineAfter(t, out, "listening on "), "https://"), ":")
	if env["STELLAR_AUTHORITY_HOST"] != "https://login.microsoftonline.com:"+port || env["STELLAR_GRAPH_ENDPOINT"] != "https://graph.microsoft.com:"+port {
		t.Fatalf("env %v (port %s)", env, port)
	}
	for _, want := range []string{
		"127.0.0.1 login.microsoftonline.com graph.microsoft.com management.azure.com",
		"SSL_CERT_FILE=" + env["STELLAR_CA_CERTIFICATE_FILE"],
		"REQUESTS_CA_BUNDLE=" + env["STELLAR_CA_CERTIFICATE_FILE"],
		`authority_host      = "https://login.microsoftonline.com:` + port + `"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

// lineAfter is the rest of the first line of s after prefix.
func lineAfter(t *testing.T, s, prefix string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, prefix)
	if !ok {
		t.Fatalf("no %q in:\n%s", prefix, s)
	}
	line, _, _ := strings.Cut(rest, "\n")
	return line
}
