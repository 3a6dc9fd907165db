package provider_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/acctest"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
)

// TestAccTargetRegistration_throttlingStorm: 30 registrations applied at Terraform's default
// -parallelism of 10 while the tenant throttles every second request (the token service's
// too): none fails, all 30 exist in the tenant, and every retry came after the Retry-After
// the throttled answer asked for.
func TestAccTargetRegistration_throttlingStorm(t *testing.T) {
	t.Parallel()
	e := acctest.StartEmulator(t, emulator.Options{})
	const n, retryAfter = 30, 50 * time.Millisecond
	e.Inject(emulator.Fault{Status: 429, RetryAfter: fmt.Sprint(retryAfter.Seconds()), Every: 2})
	config := acctest.ProviderBlock(e) + fmt.Sprintf(`
resource "stellar_target_registration" "storm" {
  count                         = %d
  display_name                  = "storm ${count.index}"
  permanently_delete_on_destroy = true
}
`, n)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(*terraform.State) error {
				for i := range n {
					if _, ok := findApp(e, fmt.Sprintf("storm %d", i)); !ok {
						return fmt.Errorf("storm %d is not in the tenant", i)
					}
				}
				return retryAfterHonoured(e, retryAfter)
			},
		}},
	})
}

// retryAfterHonoured checks the request log: each throttled request was sent again (same
// client-request-id) no sooner than Retry-After.
func retryAfterHonoured(e *emulator.Emulator, after time.Duration) error {
	log := e.Requests()
	throttled, checked := 0, 0
	for i, r := range log {
		if r.Status != 429 || !r.Fault || r.InBatch {
			continue
		}
		throttled++
		for _, next := range log[i+1:] {
			if next.ClientRequestID != r.ClientRequestID || next.Path != r.Path || next.Method != r.Method {
				continue
			}
			if gap := next.Time.Sub(r.Time); gap < after {
				return fmt.Errorf("%s %s was retried %v after a 429 asking for %v", r.Method, r.Path, gap, after)
			}
			checked++
			break
		}
	}
	if throttled == 0 || checked < throttled {
		return fmt.Errorf("%d throttled requests, %d retried: every one must be retried", throttled, checked)
	}
	return nil
}
