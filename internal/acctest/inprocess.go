package acctest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/provider"
)

// ServeAt serves the provider in this test process with a fixed clock and returns the
// TF_REATTACH_PROVIDERS setting that points a Workspace's terraform at it: a real terraform
// run (its warnings on the terminal) of a provider whose date the test decides, so that what
// depends on the date (EWS's retirement) is tested on both sides of it without the wall clock.
func ServeAt(t *testing.T, now time.Time) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	config := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	server := providerserver.NewProtocol6(provider.NewAt("test", func() time.Time { return now })())
	const address = "registry.terraform.io/stellar-migrator/stellar"
	go func() {
		if err := tf6server.Serve(address, func() tfprotov6.ProviderServer { return server() },
			tf6server.WithDebug(ctx, config, closed), tf6server.WithLoggingSink(t)); err != nil {
			t.Errorf("serving the provider in process: %v", err)
		}
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-config:
	case <-time.After(time.Minute):
		t.Fatal("the in-process provider did not start within a minute")
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	entry := map[string]any{
		"Protocol": rc.Protocol, "ProtocolVersion": rc.ProtocolVersion, "Pid": rc.Pid, "Test": rc.Test,
		"Addr": map[string]string{"Network": rc.Addr.Network(), "String": rc.Addr.String()},
	}
	b, err := json.Marshal(map[string]any{address: entry, "registry.opentofu.org/stellar-migrator/stellar": entry})
	if err != nil {
		t.Fatal(err)
	}
	return "TF_REATTACH_PROVIDERS=" + string(b)
}
