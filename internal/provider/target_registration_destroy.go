package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// A destroy that finishes. An answer to DELETE can be lost, a 404 can mean "not replicated
// to this replica yet" rather than "gone", and a purge can fail after the delete: each is
// confirmed against the tenant before it is believed, and a registration that is deleted but
// not yet purged stays in state, so that the next destroy (or replacement) still purges it.

// privateAwaitingPurge marks a registration found in deleted items while
// permanently_delete_on_destroy asks for it to be purged.
const privateAwaitingPurge = "awaiting_purge"

// confirmFor bounds the wait for a 404 to be confirmed by replication.
const confirmFor = 20 * time.Second

// deleteConfirmed deletes the application and confirms it: in deleted items, or gone.
func deleteConfirmed(ctx context.Context, client *tenant.Client, objectID string) error {
	err := client.DeleteApplication(ctx, objectID)
	if err == nil {
		return nil
	}
	look, _ := lookFor(err)
	if !errors.Is(err, tenant.ErrNotFound) && !look {
		return err
	}
	// A 404 (perhaps from a replica that has not seen the application yet) or no definite
	// answer: find out where the application is.
	start := time.Now()
	for delay := 500 * time.Millisecond; ; delay = min(delay*2, 5*time.Second) {
		if deleted, derr := client.InDeletedItems(ctx, objectID); derr == nil && deleted {
			return nil
		}
		_, gerr := client.GetApplication(ctx, objectID)
		switch {
		case gerr == nil:
			// Still live (the DELETE did not happen, or a replica showed it late): delete again.
			if err = client.DeleteApplication(ctx, objectID); err == nil {
				return nil
			}
		case errors.Is(gerr, tenant.ErrNotFound) && time.Since(start)+delay > confirmFor:
			return nil // neither live nor deleted: purged already, or never replicated anywhere
		}
		if time.Since(start)+delay > confirmFor*3 {
			return fmt.Errorf("%w (the application's deletion could not be confirmed within %s)", err, time.Since(start).Round(time.Second))
		}
		tflog.Info(ctx, "confirming the application's deletion", map[string]any{"object_id": objectID, "delay": delay.String(),
			"reason": "a 404 or a lost answer is confirmed against the tenant before state is dropped"})
		if !wait(ctx, delay) {
			return ctx.Err()
		}
	}
}

// purgeConfirmed removes the application from deleted items and confirms it is gone.
func purgeConfirmed(ctx context.Context, client *tenant.Client, objectID string) error {
	err := client.PurgeDeletedApplication(ctx, objectID)
	if err == nil || errors.Is(err, tenant.ErrNotFound) {
		return nil
	}
	if look, _ := lookFor(err); !look {
		return err
	}
	// The purge got no definite answer: it is done if the item is gone; else try once more.
	if deleted, derr := client.InDeletedItems(ctx, objectID); derr == nil && !deleted {
		return nil
	}
	tflog.Info(ctx, "the purge got no definite answer and the item is still there; purging again", map[string]any{"object_id": objectID})
	if err := client.PurgeDeletedApplication(ctx, objectID); err != nil && !errors.Is(err, tenant.ErrNotFound) {
		return err
	}
	return nil
}

// awaitingPurge keeps in state a registration that is gone from the live directory but
// still in deleted items while permanently_delete_on_destroy asks for a purge: an earlier
// destroy deleted it and could not purge it. The next plan then replaces it (purging the old
// one) or the next destroy purges it; dropping it from state would leave it restorable.
func (r *TargetRegistrationResource) awaitingPurge(ctx context.Context, client *tenant.Client, state targetRegistrationResourceModel, resp *resource.ReadResponse) bool {
	if !state.PermanentlyDeleteOnDestroy.ValueBool() {
		return false
	}
	deleted, err := client.InDeletedItems(ctx, state.ObjectID.ValueString())
	if err != nil || !deleted {
		return false
	}
	tflog.Info(ctx, "application is in deleted items, not purged yet; keeping it in state to purge it", map[string]any{"object_id": state.ObjectID.ValueString()})
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateAwaitingPurge, []byte("true"))...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	return true
}

// awaitingPurgeOf reads the mark awaitingPurge leaves.
func awaitingPurgeOf(ctx context.Context, private privateReader, diags *diag.Diagnostics) bool {
	if private == nil {
		return false
	}
	raw, d := private.GetKey(ctx, privateAwaitingPurge)
	diags.Append(d...)
	return string(raw) == "true"
}
