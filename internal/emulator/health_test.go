package emulator_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestHealth: a CI job waiting for the emulator gets 200 and the tenant and cloud it serves.
func TestHealth(t *testing.T) {
	e, err := emulator.Start(emulator.Options{Cloud: "china"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	resp, err := e.HTTPClient().Get(e.URL() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Status, TenantID, Cloud, URL string }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /health: %d, %v", resp.StatusCode, err)
	}
	if got.Status != "healthy" || got.TenantID != emulator.SeedTenantID || got.Cloud != "china" || got.URL != e.URL() {
		t.Fatalf("GET /health answered %+v", got)
	}
}
