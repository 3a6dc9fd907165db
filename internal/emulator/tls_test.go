package emulator_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

func TestTLS(t *testing.T) {
	e := start(t, emulator.Options{})
	if !strings.HasPrefix(e.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %s", e.URL())
	}
	block, _ := pem.Decode(e.CACertPEM())
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := ca.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() || !ca.IsCA {
		t.Fatalf("CA key %T", ca.PublicKey)
	}
	onDisk, err := os.ReadFile(e.CAFile())
	if err != nil || !bytes.Equal(onDisk, e.CACertPEM()) || !filepath.IsAbs(e.CAFile()) {
		t.Fatalf("CA file %s: %v", e.CAFile(), err)
	}

	// A client that does not trust the CA is refused; the emulator's client trusts it for
	// 127.0.0.1 and localhost alike.
	resp, err := (&http.Client{}).Get(e.URL() + "/common/discovery/instance")
	if err == nil {
		resp.Body.Close()
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("untrusting client: %v", err)
	}
	for _, base := range []string{e.URL(), strings.Replace(e.URL(), "127.0.0.1", "localhost", 1)} {
		resp, err := e.HTTPClient().Get(base + "/" + e.Seed().TenantID + "/v2.0/.well-known/openid-configuration")
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		resp.Body.Close()
		if len(resp.TLS.PeerCertificates) == 0 || !slicesHasIP(resp.TLS.PeerCertificates[0], "::1") {
			t.Fatalf("leaf lacks ::1")
		}
	}

	// Close is idempotent, and the temporary CA file goes with the emulator.
	e2, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	caFile := e2.CAFile()
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e2.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(caFile); !os.IsNotExist(err) {
		t.Fatalf("temporary CA file left behind: %v", err)
	}
}

func slicesHasIP(c *x509.Certificate, ip string) bool {
	for _, a := range c.IPAddresses {
		if a.String() == ip {
			return true
		}
	}
	return false
}

func TestCADirPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	e1, err := emulator.Start(emulator.Options{CADir: dir})
	if err != nil {
		t.Fatal(err)
	}
	first := e1.CACertPEM()
	if e1.CAFile() != filepath.Join(dir, "ca.pem") {
		t.Fatalf("CA file %s", e1.CAFile())
	}
	e1.Close()
	if fi, err := os.Stat(filepath.Join(dir, "ca-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key file: %v %v", fi.Mode(), err)
	}

	e2 := start(t, emulator.Options{CADir: dir, BootstrapSecret: "fixed-secret"})
	if !bytes.Equal(first, e2.CACertPEM()) {
		t.Fatal("CA changed across restarts")
	}
	if e2.Seed().BootstrapSecret != "fixed-secret" {
		t.Fatal("BootstrapSecret ignored")
	}
	if _, err := token(t, e2, e2.Seed().BootstrapClientID, "fixed-secret", graphScope); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e2.CAFile()); err != nil {
		t.Fatal(err)
	}

	half := t.TempDir()
	if err := os.WriteFile(filepath.Join(half, "ca.pem"), first, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := emulator.Start(emulator.Options{CADir: half}); err == nil {
		t.Fatal("started with a CA certificate but no key")
	}
}
