package tenant

import (
	"testing"

	khttp "github.com/microsoft/kiota-http-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/retry"
)

func TestGraphMiddlewareRetriesOnce(t *testing.T) {
	m, err := graphMiddleware(&core.GraphClientOptions{}, retry.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	ours := 0
	for _, h := range m {
		switch h.(type) {
		case *khttp.RetryHandler, khttp.RetryHandler:
			t.Error("kiota's RetryHandler is still in the pipeline: two retry layers, one of them racy")
		case throttleRetry:
			ours++
		}
	}
	if ours != 1 {
		t.Errorf("want exactly one throttleRetry, found %d", ours)
	}
}
