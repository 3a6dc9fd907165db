package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// Finding again what the provider made. A write's answer can be lost (a reset, a client
// timeout, Ctrl-C) and Terraform can be killed before it saves state; the application exists
// all the same. So every application the provider registers carries two tags: managedTag,
// which marks it as made by this provider, and a creation tag unique to the plan that made
// it. An apply whose create call failed without a definite answer looks for its creation
// tag before giving up; a plan that would create a registration looks for a managed one of
// the same name that no state holds, and says how to import it (or adopts it, when asked).

const (
	managedTag     = "stellar-migrator:terraform"
	creationPrefix = "stellar-migrator:creation:"
)

// newCreationTag is the tag of one create attempt.
func newCreationTag() string { return creationPrefix + uuid.NewString() }

// orphanFree remembers, per provider process, the names a plan looked up and found no earlier
// registration of: Terraform plans a resource again in the apply walk, moments before it
// creates it, and a create may then skip its own look (one Graph round trip). A look that
// found something is never remembered: the create looks again, after any destroy of the
// apply (a replacement).
type orphanFree struct{ names sync.Map } // name -> time.Time of the look

// orphanFreeFor is how long a look stays fresh: the apply walk's plan and create of one
// resource are moments apart.
const orphanFreeFor = time.Minute

func (o *orphanFree) found(name string) { o.names.Store(name, time.Now()) }

func (o *orphanFree) fresh(name string) bool {
	at, ok := o.names.Load(name)
	t, _ := at.(time.Time)
	return ok && time.Since(t) < orphanFreeFor
}

// managedOrphans lists the applications named name that this provider made.
func managedOrphans(ctx context.Context, client *tenant.Client, name string) ([]*tenant.Application, error) {
	apps, err := client.ApplicationsNamed(ctx, name)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(apps, func(a *tenant.Application) bool { return !slices.Contains(a.Tags, managedTag) }), nil
}

// checkOrphans is the plan-time look before a create, for a registration this provider made
// under the same name that no state holds. It can only warn: the application it finds may be
// the tainted one this very plan replaces (destroyed before the new one is created). The
// create itself looks again, after any such destroy, and refuses to make a second one
// (orphanError).
//
// It reports whether it looked and found none.
func checkOrphans(ctx context.Context, client *tenant.Client, plan targetRegistrationResourceModel, diags *diag.Diagnostics) bool {
	if plan.DisplayName.IsUnknown() {
		return false
	}
	name := plan.DisplayName.ValueString()
	orphans, err := managedOrphans(ctx, client, name)
	if err != nil {
		diags.AddWarning("Cannot look for an earlier registration", "Looking for an application named "+name+
			" that an interrupted apply may have left failed: "+describeTenantError(err))
		return false
	}
	switch {
	case len(orphans) == 0:
		return true
	case plan.AdoptExisting.ValueBool() && len(orphans) == 1:
		diags.AddAttributeWarning(path.Root("adopt_existing"), "Adopting an earlier registration",
			fmt.Sprintf("Application %q (object ID %s, client ID %s) was made by this provider but is in no state, as after an "+
				"interrupted apply. Unless this plan replaces it, this apply adopts it instead of registering another.",
				name, orphans[0].ObjectID, orphans[0].AppID))
		return false
	}
	summary, detail := orphanError(name, orphans)
	diags.AddAttributeWarning(path.Root("display_name"), summary, detail+"\n\n(If this plan replaces that registration, "+
		"ignore this: it is destroyed before the new one is made.)")
	return false
}

// orphanError explains registrations of name that this provider made and no state holds.
func orphanError(name string, orphans []*tenant.Application) (summary, detail string) {
	var ids []string
	for _, o := range orphans {
		ids = append(ids, o.ObjectID)
	}
	return "A registration of this name already exists",
		fmt.Sprintf("This provider already registered %q (object ID %s), but no state holds it: an earlier apply was "+
			"interrupted after the application was made. Creating another would leave two.\n\nHow to fix it: import it, "+
			"with `terraform import <this resource's address> %s` or an import block with id = %q; or set adopt_existing = true "+
			"to take it over; or, if it is unwanted, delete it in the Entra admin center.",
			name, strings.Join(ids, ", "), ids[0], ids[0])
}

// lookFor says how long to look for what a failed create may have made: no answer at all (a
// network error, a timeout) means it may well exist, possibly not replicated yet, so look for
// a while; a server error answered by Graph most likely means it does not, so look once; a
// definite refusal (4xx) means it does not.
func lookFor(err error) (look bool, wait time.Duration) {
	var terr *tenant.Error
	var uerr *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.As(err, &uerr):
		return true, findCreatedFor
	case errors.As(err, &terr):
		return terr.Status >= 500 || terr.Status == 429, 0
	}
	return true, findCreatedFor // not an answer from Graph at all
}

// findCreated looks, for up to within (replication), for the application a create whose answer
// was lost made: named name and carrying tag. ctx is the create's; a cancelled one (Ctrl-C)
// still gets a short look of its own, since that is when an answer is most often lost.
func findCreated(ctx context.Context, client *tenant.Client, name, tag string, within time.Duration) *tenant.Application {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
	}
	deadline := time.Now().Add(within)
	for delay := 500 * time.Millisecond; ; delay = min(delay*2, 5*time.Second) {
		apps, err := client.ApplicationsNamed(ctx, name)
		if err == nil {
			for _, a := range apps {
				if slices.Contains(a.Tags, tag) {
					return a
				}
			}
		}
		if time.Now().Add(delay).After(deadline) {
			return nil
		}
		tflog.Info(ctx, "looking for the application a create without an answer may have made", map[string]any{
			"display_name": name, "delay": delay.String(), "reason": "Entra may not show it yet"})
		if !wait(ctx, delay) {
			return nil
		}
	}
}

// findCreatedFor bounds the search: Entra shows new applications within seconds as a rule.
const findCreatedFor = 30 * time.Second

// privateTrackedSince is when state began tracking the registration (created or imported):
// secrets of the provider's name made before, during an import's earlier life, are not
// taken for untracked ones.
const privateTrackedSince = "tracked_since"

func setTrackedSince(ctx context.Context, private privateWriter, t time.Time) diag.Diagnostics {
	return private.SetKey(ctx, privateTrackedSince, []byte(`"`+t.UTC().Format(time.RFC3339Nano)+`"`))
}

func trackedSince(ctx context.Context, private privateReader) (time.Time, diag.Diagnostics) {
	if private == nil {
		return time.Time{}, nil
	}
	raw, d := private.GetKey(ctx, privateTrackedSince)
	if len(raw) < 2 {
		return time.Time{}, d
	}
	t, err := time.Parse(time.RFC3339Nano, string(raw[1:len(raw)-1]))
	if err != nil {
		return time.Time{}, d
	}
	return t, d
}
