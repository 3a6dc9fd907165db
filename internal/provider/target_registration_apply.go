package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// applyRun carries one create or update through its steps. After every
// step that changes the tenant, state is brought up to date, so that an
// error at any point still leaves state recording exactly what exists.
type applyRun struct {
	client   *tenant.Client
	tenantID string
	// consentURL gives an application's admin consent page.
	consentURL func(clientID string) string
	// signsIn checks that a client ID and secret sign in to the tenant.
	signsIn func(ctx context.Context, clientID, secret string) error
	desired desiredRegistration
	steps   []stepModel
	diags   diag.Diagnostics
	state   *targetRegistrationResourceModel
	// retired are key IDs of replaced secrets still to be removed.
	retired []string
	// started is when the apply began: replication lag met since then calls for reading
	// back what it wrote (see awaitVisible).
	started time.Time
	// seen is the application and service principal as the consent round trip read them
	// beside its writes; nil when it did not run.
	seen *tenant.Consent
}

func newApplyRun(client *tenant.Client, tenantID string, desired desiredRegistration) *applyRun {
	run := &applyRun{client: client, tenantID: tenantID, desired: desired, started: time.Now()}
	for _, name := range stepOrder {
		run.steps = append(run.steps, stepModel{Name: name, Status: statusNotStarted, Detail: "Not started."})
	}
	if len(desired.directoryRoles) > 0 {
		run.ensureRoleStep()
	}
	return run
}

func (run *applyRun) step(name, status, detail string) {
	for i := range run.steps {
		if run.steps[i].Name == name {
			run.steps[i].Status = status
			run.steps[i].Detail = detail
		}
	}
}

func (run *applyRun) stepOf(name string) stepModel {
	for _, s := range run.steps {
		if s.Name == name {
			return s
		}
	}
	return stepModel{}
}

func (run *applyRun) fail(ctx context.Context, name, summary string, err error) {
	run.step(name, statusFailed, summary+": "+oneLine(describeTenantError(err)))
	run.diags.AddError(summary, describeTenantError(err)+
		"\n\nState records what was done before the failure; run apply again to finish, or destroy to remove it.")
	run.syncSteps(ctx)
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (run *applyRun) syncSteps(ctx context.Context) {
	if run.state == nil {
		return
	}
	steps, d := stepsValue(ctx, run.steps)
	run.diags.Append(d...)
	run.state.Steps = steps
	run.state.Result = types.StringValue(stepsResult(run.steps))
}

func (run *applyRun) setGranted(ctx context.Context, sp *tenant.ServicePrincipal, assignments []tenant.AppRoleAssignment, grants []tenant.DelegatedGrant) {
	run.state.GrantedPermissions = run.grantedSet(ctx, sp, assignments, grants)
}

// grantedSet names what sp holds, labelled as the configuration labels its APIs.
func (run *applyRun) grantedSet(ctx context.Context, sp *tenant.ServicePrincipal, assignments []tenant.AppRoleAssignment, grants []tenant.DelegatedGrant) types.Set {
	labels := labeller{}
	byObjectID := map[string]*tenant.ServicePrincipal{}
	for _, a := range run.desired.apis {
		labels[a.resolved.AppID] = a.label
		byObjectID[a.sp.ObjectID] = a.sp
	}
	var principalID string
	if sp != nil {
		principalID = sp.ObjectID
	}
	set, d := permissionSetValue(ctx, grantedModels(labels, byObjectID, principalID, assignments, grants))
	run.diags.Append(d...)
	return set
}

// Entra is eventually consistent: a read right after a write may be served
// by a replica that has not seen it. The next plan refreshes, and a refresh that missed the
// new consent would plan to grant it again, so an apply makes sure a read shows what it
// wrote before it ends.
//
// It costs no extra round trip when the tenant is keeping up: the consent writes go with a
// read of the application (and its secret) and the service principal that earlier calls
// wrote, and their own answers say what they made. Only when that read does not show
// everything yet, or a call of this apply met replication lag, or no consent was written,
// does the apply poll with reads of its own, and it stops as soon as one shows it all.
const (
	visibilityFirstWait = 500 * time.Millisecond
	visibilityMaxWait   = 5 * time.Second
	visibilityTimeout   = 3 * time.Minute
)

// awaitVisible makes sure a read shows the application, its secret and the consent this
// apply recorded in state. If that takes too long it warns instead of failing: the objects
// exist and state says so.
func (run *applyRun) awaitVisible(ctx context.Context) {
	if run.diags.HasError() || run.state == nil {
		return
	}
	objectID := run.state.ObjectID.ValueString()
	key := run.state.ClientSecretKeyID.ValueString()
	if run.seenShows(key) {
		tflog.Debug(ctx, "the consent round trip's read shows the applied registration: no read-back needed", map[string]any{"object_id": objectID})
		return
	}
	start := time.Now()
	for delay := visibilityFirstWait; ; delay = min(delay*2, visibilityMaxWait) {
		reg, err := run.client.ReadRegistration(ctx, objectID, run.state.ClientID.ValueString())
		if err == nil && run.shows(ctx, reg, key) {
			return
		}
		if time.Since(start)+delay > visibilityTimeout {
			break
		}
		tflog.Info(ctx, "waiting for Entra replication: a read does not show the applied registration yet", map[string]any{
			"object_id": objectID, "delay": delay.String(), "waited": time.Since(start).Round(time.Millisecond).String()})
		if !wait(ctx, delay) {
			break
		}
	}
	run.diags.AddWarning("Entra ID has not caught up yet",
		"The registration was applied, but reads from the tenant do not show all of it yet (Entra ID replicates changes "+
			"with a delay). Until it does, a plan may show consent or the secret as missing; run plan again in a few minutes.")
}

// seenShows reports whether the read that went with the consent writes shows the application
// with the secret key and, where consent is granted, the service principal, while no call of
// this apply met replication lag (then the writes' answers are not enough: the tenant is
// behind, and a full read-back decides).
func (run *applyRun) seenShows(key string) bool {
	seen := run.seen
	if seen == nil || seen.Application == nil || run.client.SawReplicationLagSince(run.started) {
		return false
	}
	if !strings.EqualFold(seen.Application.ObjectID, run.state.ObjectID.ValueString()) {
		return false
	}
	if key != "" && !slices.ContainsFunc(seen.Application.Passwords, func(p tenant.Password) bool { return p.KeyID == key }) {
		return false
	}
	if run.desired.grantConsent && (seen.ServicePrincipal == nil || seen.ServicePrincipal.ObjectID != run.state.ServicePrincipalID.ValueString()) {
		return false
	}
	return true
}

// wait pauses for d; false if ctx ended first.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (run *applyRun) shows(ctx context.Context, reg *tenant.Registration, key string) bool {
	if key != "" && !slices.ContainsFunc(reg.Application.Passwords, func(p tenant.Password) bool { return p.KeyID == key }) {
		return false
	}
	if run.desired.grantConsent && reg.ServicePrincipal == nil {
		return false
	}
	return run.grantedSet(ctx, reg.ServicePrincipal, reg.Assignments, reg.Grants).Equal(run.state.GrantedPermissions)
}

func permissionSummary(apis []desiredAPI) string {
	if len(apis) == 0 {
		return "No API permissions requested."
	}
	var parts []string
	for _, a := range apis {
		name := a.sp.DisplayName
		if name == "" {
			name = a.label
		}
		parts = append(parts, fmt.Sprintf("%s: %d application, %d delegated", name, len(a.resolved.Application), len(a.resolved.Delegated)))
	}
	return "Requested " + strings.Join(parts, "; ") + "."
}

// newApplication is an application a create made (or the error that stopped it), and the tag
// of the attempt that made it.
type newApplication struct {
	app *tenant.Application
	tag string
	err error
}

// registerApplication creates the application under a tag of this attempt's. It carries no
// requiredResourceAccess yet (create sets it once the permissions are resolved), so that it
// can be made beside the reads that resolve them and look for an earlier registration: one
// Graph round trip less per create. A create whose answer was lost is found by the tag.
func registerApplication(ctx context.Context, client *tenant.Client, name string) newApplication {
	tag := newCreationTag()
	app, err := client.CreateApplication(ctx, name, nil, managedTag, tag)
	if look, waitFor := lookFor(err); err != nil && look {
		// Graph may have made it although its answer never came: find it by this attempt's tag
		// before reporting a failure that would leave it behind.
		tflog.Warn(ctx, "the create call got no definite answer; looking for the application it may have made", map[string]any{"error": err.Error()})
		if found := findCreated(ctx, client, name, tag, waitFor); found != nil {
			app, err = found, nil
		}
	}
	return newApplication{app: app, tag: tag, err: err}
}

// recordCreated puts the application a create made into state, before anything else is done
// to it: from here on, whatever fails, state holds it.
func (run *applyRun) recordCreated(ctx context.Context, plan targetRegistrationResourceModel, app *tenant.Application) {
	st := plan
	st.ID = types.StringValue(app.ObjectID)
	st.ObjectID = types.StringValue(app.ObjectID)
	st.ClientID = types.StringValue(app.AppID)
	st.TenantID = types.StringValue(run.tenantID)
	st.AdminConsentURL = types.StringValue(run.consentURL(app.AppID))
	st.ServicePrincipalID = types.StringNull()
	st.ClientSecret = types.StringNull()
	st.ClientSecretKeyID = types.StringNull()
	st.ClientSecretExpiresAt = types.StringNull()
	st.UntrackedSecretKeyIDs = types.SetValueMust(types.StringType, nil)
	st.PreviousSecretKeyID, st.PreviousSecretRetiresAt = types.StringNull(), types.StringNull()
	st.ClientCertThumbprint = types.StringNull()
	st.RequestedPermissions = types.SetValueMust(permissionObjectType, nil) // until the permissions are set
	st.DirectoryRoles = roleNameSet(nil)
	run.state = &st
	run.setGranted(ctx, nil, nil, nil)
	run.step(stepRegister, statusSucceeded, fmt.Sprintf("Registered %q with client ID %s.", app.DisplayName, app.AppID))
	run.syncSteps(ctx)
}

// create brings the application registerApplication made to the desired state.
func (run *applyRun) create(ctx context.Context, plan targetRegistrationResourceModel, made newApplication) {
	if made.err != nil {
		run.fail(ctx, stepRegister, "Cannot register the application", made.err)
		return
	}
	app := made.app
	tflog.Info(ctx, "registered application", map[string]any{"object_id": app.ObjectID, "client_id": app.AppID})
	run.recordCreated(ctx, plan, app)

	// The permissions, the service principal and the secret do not depend on each other:
	// they go together.
	access := run.desired.requiredResourceAccess()
	accessSet := make(chan error, 1)
	go func() {
		if len(access) == 0 {
			accessSet <- nil
			return
		}
		err := run.client.SetNewApplicationAccess(ctx, app.ObjectID, access)
		if look, _ := lookFor(err); err != nil && look && ctx.Err() == nil {
			// The same PATCH again lands on the same result, whether or not the first landed.
			tflog.Info(ctx, "setting the requested permissions again, after a call without a definite answer",
				map[string]any{"object_id": app.ObjectID, "reason": err.Error(), "delay": "0s"})
			err = run.client.SetNewApplicationAccess(ctx, app.ObjectID, access)
		}
		accessSet <- err
	}()
	waitAccess := sync.OnceValue(func() error {
		err := <-accessSet
		if err == nil {
			app.RequiredResourceAccess = access
			run.state.RequestedPermissions = plan.RequestedPermissions
			run.step(stepAssign, statusSucceeded, permissionSummary(run.desired.apis))
		}
		return err
	})
	defer func() { _ = waitAccess() }()
	waitSP := run.startServicePrincipal(ctx, app.AppID)
	defer func() { _, _ = waitSP() }() // recorded in state even when a step below fails; its error is consent's to report

	// The secret comes before consent so that, if consent fails, the one
	// chance to read the secret's value has already been taken and saved.
	if !run.desired.secretEnabled {
		run.step(stepSecret, statusSkipped, "client_secret_enabled is false: no client secret was made.")
	} else if !run.addSecret(ctx, app.ObjectID) {
		return
	}
	if !run.reconcileCertificate(ctx, app, "") {
		return
	}
	if err := waitAccess(); err != nil {
		run.fail(ctx, stepAssign, "Cannot request the API permissions", err)
		return
	}
	run.syncSteps(ctx)
	sp, err := waitSP()
	if err != nil {
		run.fail(ctx, stepConsent, "Cannot create the service principal", err)
		return
	}
	run.reconcileConsent(ctx, app.AppID, sp, nil, nil)
	run.syncSteps(ctx)
	if !run.diags.HasError() {
		run.reconcileDirectoryRoles(ctx, run.state.ServicePrincipalID.ValueString(), nil)
		run.syncSteps(ctx)
	}
	run.awaitVisible(ctx)
}

// startServicePrincipal creates the new application's service principal beside the calls
// that follow it (the secret, the certificate), when consent will need one: they do not
// depend on each other, so a create costs one Graph round trip less. The function it returns
// waits for the result and records the service principal in state; it may be called again.
func (run *applyRun) startServicePrincipal(ctx context.Context, appID string) func() (*tenant.ServicePrincipal, error) {
	if !run.desired.grantConsent || run.desired.handoff {
		return func() (*tenant.ServicePrincipal, error) { return nil, nil }
	}
	type result struct {
		sp  *tenant.ServicePrincipal
		err error
	}
	ch := make(chan result, 1)
	go func() {
		sp, err := run.client.CreateServicePrincipal(ctx, appID)
		ch <- result{sp, err}
	}()
	var once sync.Once
	var res result
	return func() (*tenant.ServicePrincipal, error) {
		once.Do(func() {
			res = <-ch
			if res.sp != nil {
				run.state.ServicePrincipalID = types.StringValue(res.sp.ObjectID)
			}
		})
		return res.sp, res.err
	}
}

// update brings an existing registration to the plan.
func (run *applyRun) update(ctx context.Context, plan, prior targetRegistrationResourceModel, retired []string) {
	run.retired = retired
	objectID := prior.ObjectID.ValueString()
	reg, err := run.client.ReadRegistrationWithRoles(ctx, objectID, prior.ClientID.ValueString(), rolesPrincipal(prior))
	if err != nil {
		if errors.Is(err, tenant.ErrNotFound) {
			run.diags.AddError("The application no longer exists",
				fmt.Sprintf("Application %s was deleted while this plan was made. Run terraform apply again: the next plan creates it anew.", objectID))
			return
		}
		run.fail(ctx, stepRegister, "Cannot read the registration", err)
		return
	}
	st := plan
	st.ID, st.ObjectID, st.ClientID = prior.ID, prior.ObjectID, prior.ClientID
	st.TenantID = types.StringValue(run.tenantID)
	st.AdminConsentURL = types.StringValue(run.consentURL(prior.ClientID.ValueString()))
	st.ClientSecret, st.ClientSecretKeyID, st.ClientSecretExpiresAt = prior.ClientSecret, prior.ClientSecretKeyID, prior.ClientSecretExpiresAt
	st.ClientCertThumbprint = prior.ClientCertThumbprint // until the certificate step has run
	st.UntrackedSecretKeyIDs = types.SetValueMust(types.StringType, nil)
	// Secrets of this provider's that no state held (an interrupted apply's): nobody holds
	// their value, so they go, with the replaced ones.
	var untracked []string
	run.diags.Append(prior.UntrackedSecretKeyIDs.ElementsAs(ctx, &untracked, true)...)
	run.retired = append(run.retired, untracked...)
	if prev := prior.PreviousSecretKeyID.ValueString(); prev != "" && plan.PreviousSecretKeyID.IsNull() {
		// Its grace period is over.
		run.retired = append(run.retired, prev)
	}
	st.ServicePrincipalID = types.StringNull()
	if reg.ServicePrincipal != nil {
		st.ServicePrincipalID = types.StringValue(reg.ServicePrincipal.ObjectID)
	}
	st.RequestedPermissions, st.DirectoryRoles = prior.RequestedPermissions, prior.DirectoryRoles // until their steps have run
	if st.DirectoryRoles.IsNull() {
		st.DirectoryRoles = roleNameSet(nil)
	}
	run.state = &st
	run.setGranted(ctx, reg.ServicePrincipal, reg.Assignments, reg.Grants)
	run.syncSteps(ctx)
	var heldRoles []tenant.DirectoryRoleAssignment
	if reg.ServicePrincipal != nil && (len(run.desired.directoryRoles) > 0 || wantsRoleRead(prior)) {
		held, err := heldDirectoryRoles(ctx, run.client, reg)
		if err != nil {
			run.fail(ctx, stepDirectoryRole, "Cannot read the service principal's directory roles", err)
			return
		}
		heldRoles = held
		st.DirectoryRoles = roleNameSet(roleIDs(held))
	}

	app := reg.Application
	var newName *string
	if app.DisplayName != run.desired.displayName {
		newName = &run.desired.displayName
	}
	wantAccess := run.desired.requiredResourceAccess()
	var newAccess []tenant.ResourceAccess
	if !sameAccess(app.RequiredResourceAccess, wantAccess) {
		newAccess = wantAccess
	}
	if newName != nil || newAccess != nil {
		if err := run.client.UpdateApplication(ctx, objectID, newName, newAccess); err != nil {
			run.fail(ctx, stepRegister, "Cannot update the application", err)
			return
		}
	}
	if newName != nil {
		run.step(stepRegister, statusSucceeded, fmt.Sprintf("Renamed the application to %q.", *newName))
	} else {
		run.step(stepRegister, statusUnchanged, fmt.Sprintf("Application %q (client ID %s) exists.", app.DisplayName, app.AppID))
	}
	if newAccess != nil {
		run.step(stepAssign, statusSucceeded, permissionSummary(run.desired.apis))
	} else {
		run.step(stepAssign, statusUnchanged, "Requested permissions already match.")
	}
	st.RequestedPermissions = plan.RequestedPermissions
	run.syncSteps(ctx)

	disabling := !run.desired.secretEnabled && prior.ClientSecretKeyID.ValueString() != ""
	switch {
	case !run.desired.secretEnabled:
		run.step(stepSecret, statusSkipped, "client_secret_enabled is false: no client secret.")
		if disabling {
			run.retired = append(run.retired, prior.ClientSecretKeyID.ValueString())
		}
	case plan.ClientSecretKeyID.IsUnknown():
		// New before old: the migration tool is never left without a valid secret.
		if !run.addSecret(ctx, objectID) {
			return
		}
		run.retire(ctx, plan, app.AppID, prior.ClientSecretKeyID.ValueString())
	default:
		run.step(stepSecret, statusUnchanged, fmt.Sprintf("Secret %s is valid until %s.", prior.ClientSecretKeyID.ValueString(), prior.ClientSecretExpiresAt.ValueString()))
	}
	// The certificate is added before a secret is removed, so that switching the migration
	// tool from the secret to the certificate in one apply leaves it a credential throughout.
	if !run.reconcileCertificate(ctx, app, prior.ClientCertThumbprint.ValueString()) {
		return
	}
	if !run.removeRetired(ctx, app) {
		return
	}
	if disabling {
		st.ClientSecret, st.ClientSecretKeyID, st.ClientSecretExpiresAt = types.StringNull(), types.StringNull(), types.StringNull()
	}
	run.syncSteps(ctx)

	run.reconcileConsent(ctx, app.AppID, reg.ServicePrincipal, reg.Assignments, reg.Grants)
	run.syncSteps(ctx)
	if run.diags.HasError() {
		run.awaitVisible(ctx)
		return
	}
	if run.state.ServicePrincipalID.ValueString() != "" && (reg.ServicePrincipal == nil || !strings.EqualFold(run.state.ServicePrincipalID.ValueString(), reg.ServicePrincipal.ObjectID)) {
		heldRoles = nil // a service principal made by this apply holds no role yet
	}
	run.reconcileDirectoryRoles(ctx, run.state.ServicePrincipalID.ValueString(), heldRoles)
	run.syncSteps(ctx)
	run.awaitVisible(ctx)
}

// addPasswordOnce adds the secret, and makes sure that a call whose answer was lost leaves no
// secret behind that nobody holds: each attempt's start time is its own, so the secret it
// made is found (by that start time and the name) and removed before the one retry.
func (run *applyRun) addPasswordOnce(ctx context.Context, objectID string, end time.Time) (*tenant.Password, error) {
	// Whole seconds: the SDK sends no finer start time, so this is the value Graph keeps.
	start := time.Now().UTC().Truncate(time.Second)
	pw, err := run.client.AddPasswordStarting(ctx, objectID, run.desired.secretName, start, end)
	look, within := lookFor(err)
	if err == nil || !look {
		return pw, err
	}
	clean := run.removeLostSecret(ctx, objectID, start, within)
	if within == 0 || !clean || ctx.Err() != nil {
		// Graph answered with an error (it made nothing, or what it made is gone now), or the
		// apply is over: report it; the next apply adds the secret.
		return nil, err
	}
	tflog.Info(ctx, "adding the client secret again, after a call without an answer", map[string]any{"object_id": objectID})
	return run.client.AddPasswordStarting(ctx, objectID, run.desired.secretName, time.Now().UTC().Truncate(time.Second), end)
}

// removeLostSecret finds the secret an addPassword without an answer made (this provider's
// name, that start time) and removes it: its value was in the lost answer, so nobody can use
// it, and it must not stay a working credential. It reports whether the application is clean.
func (run *applyRun) removeLostSecret(ctx context.Context, objectID string, start time.Time, within time.Duration) bool {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
	}
	deadline := time.Now().Add(within)
	for delay := 500 * time.Millisecond; ; delay = min(delay*2, 5*time.Second) {
		app, err := run.client.GetApplication(ctx, objectID)
		if err == nil {
			for _, p := range app.Passwords {
				// The start time is this call's own (to the second); the secret state holds is
				// never the lost one.
				if p.DisplayName == run.desired.secretName && p.Start.Sub(start).Abs() < time.Second && !run.holds(p.KeyID) {
					tflog.Warn(ctx, "removing the secret a call without an answer made", map[string]any{"key_id": p.KeyID})
					return run.client.RemovePassword(ctx, objectID, p.KeyID) == nil
				}
			}
		}
		if time.Now().Add(delay).After(deadline) {
			return err == nil // looked, found none: nothing was made
		}
		tflog.Info(ctx, "looking for a secret a call without an answer may have made", map[string]any{"delay": delay.String()})
		if !wait(ctx, delay) {
			return false
		}
	}
}

// retire decides the replaced secret old's fate once the new one exists: removed now if the
// new one signs in and there is no grace period; else kept as the previous secret until the
// grace period ends (or, unconfirmed, until the next apply confirms the new one).
func (run *applyRun) retire(ctx context.Context, plan targetRegistrationResourceModel, appID, old string) {
	run.state.PreviousSecretKeyID, run.state.PreviousSecretRetiresAt = types.StringNull(), types.StringNull()
	if old == "" {
		return
	}
	grace, _ := time.ParseDuration(plan.SecretGracePeriod.ValueString())
	confirmed := run.confirmSignIn(ctx, appID, run.state.ClientSecret.ValueString())
	if grace == 0 && confirmed {
		run.retired = append(run.retired, old)
		return
	}
	run.state.PreviousSecretKeyID = types.StringValue(old)
	run.state.PreviousSecretRetiresAt = types.StringValue(time.Now().Add(grace).UTC().Format(time.RFC3339))
	if !confirmed {
		run.diags.AddWarning("The new secret does not sign in yet",
			"Entra ID has not accepted the new client secret yet (replication), so the previous one "+old+" is kept: the next "+
				"apply removes it once its grace period is over.")
	}
}

// confirmSignIn waits (bounded) for a new secret to sign in, as the migration tool will.
func (run *applyRun) confirmSignIn(ctx context.Context, appID, secret string) bool {
	if run.signsIn == nil || secret == "" {
		return true
	}
	start := time.Now()
	for delay := 500 * time.Millisecond; ; delay = min(delay*2, 10*time.Second) {
		err := run.signsIn(ctx, appID, secret)
		if err == nil {
			return true
		}
		if time.Since(start)+delay > confirmSignInFor {
			tflog.Warn(ctx, "the new secret did not sign in in time", map[string]any{"client_id": appID, "waited": time.Since(start).Round(time.Second).String()})
			return false
		}
		tflog.Info(ctx, "waiting for the new secret to sign in before retiring the old one", map[string]any{
			"client_id": appID, "delay": delay.String(), "reason": "Entra replicates new secrets with a delay"})
		if !wait(ctx, delay) {
			return false
		}
	}
}

// confirmSignInFor bounds the wait for a new secret to work.
const confirmSignInFor = 2 * time.Minute

// holds reports whether the run's state holds the secret keyID.
func (run *applyRun) holds(keyID string) bool {
	return run.state != nil && run.state.ClientSecretKeyID.ValueString() == keyID
}

// removeRetired removes the secrets this or an earlier apply replaced. A
// key it cannot remove stays in run.retired, which the resource keeps in
// private state, so the next apply tries again instead of leaving an old
// credential on the application.
func (run *applyRun) removeRetired(ctx context.Context, app *tenant.Application) bool {
	// A key can be listed twice: kept from an earlier failed removal, and seen as untracked.
	slices.Sort(run.retired)
	run.retired = slices.Compact(run.retired)
	var removed []string
	for len(run.retired) > 0 {
		key := run.retired[0]
		if slices.ContainsFunc(app.Passwords, func(p tenant.Password) bool { return p.KeyID == key }) {
			err := run.client.RemovePassword(ctx, app.ObjectID, key)
			if err != nil && !errors.Is(err, tenant.ErrNotFound) {
				run.fail(ctx, stepSecret, "The previous secret "+key+" could not be removed", err)
				return false
			}
			removed = append(removed, key)
		}
		run.retired = run.retired[1:]
	}
	if len(removed) > 0 {
		// Keep what this apply said about a new secret; "unchanged" no longer holds.
		detail := ""
		if s := run.stepOf(stepSecret); s.Status == statusSucceeded {
			detail = s.Detail + " "
		}
		run.step(stepSecret, statusSucceeded, detail+"Removed the previous secret "+strings.Join(removed, ", ")+".")
	}
	return true
}

func (run *applyRun) addSecret(ctx context.Context, objectID string) bool {
	end := run.desired.secretEndTime(time.Now())
	pw, err := run.addPasswordOnce(ctx, objectID, end)
	if err != nil {
		run.fail(ctx, stepSecret, "Cannot create the client secret", err)
		return false
	}
	run.state.ClientSecret = types.StringValue(pw.SecretText)
	run.state.ClientSecretKeyID = types.StringValue(pw.KeyID)
	run.state.ClientSecretExpiresAt = types.StringValue(pw.End.UTC().Format(time.RFC3339))
	run.step(stepSecret, statusSucceeded, fmt.Sprintf("Created secret %q (key ID %s), valid until %s.",
		run.desired.secretName, pw.KeyID, pw.End.UTC().Format(time.RFC3339)))
	run.syncSteps(ctx)
	return true
}

type assignmentKey struct{ resourceID, appRoleID string }

// reconcileConsent makes the service principal's app role assignments and
// all-users grants match the desired permissions: it adds what is missing
// and removes what is not wanted, and records the result as it goes.
func (run *applyRun) reconcileConsent(ctx context.Context, appID string, sp *tenant.ServicePrincipal, have []tenant.AppRoleAssignment, grants []tenant.DelegatedGrant) {
	grants = slices.DeleteFunc(slices.Clone(grants), func(g tenant.DelegatedGrant) bool { return g.ConsentType != "AllPrincipals" })
	if run.desired.handoff {
		// An administrator consents at the admin consent page; what they granted is reported,
		// never changed.
		run.setGranted(ctx, sp, have, grants)
		run.step(stepConsent, statusSkipped, "Consent is handed off: an administrator grants it at "+run.consentURL(appID)+".")
		return
	}
	if !run.desired.grantConsent {
		if len(have) == 0 && len(grants) == 0 {
			run.step(stepConsent, statusSkipped, "grant_admin_consent is false: permissions are requested but not consented.")
			return
		}
	} else if sp == nil {
		created, err := run.client.CreateServicePrincipal(ctx, appID)
		if err != nil {
			run.fail(ctx, stepConsent, "Cannot create the service principal", err)
			return
		}
		sp = created
		run.state.ServicePrincipalID = types.StringValue(sp.ObjectID)
	}

	want := map[assignmentKey]bool{}
	if run.desired.grantConsent {
		for _, a := range run.desired.apis {
			for _, p := range a.resolved.Application {
				want[assignmentKey{a.sp.ObjectID, strings.ToLower(p.ID)}] = true
			}
		}
	}
	var keep, remove []tenant.AppRoleAssignment
	present := map[assignmentKey]bool{}
	for _, a := range have {
		k := assignmentKey{a.ResourceID, strings.ToLower(a.AppRoleID)}
		if want[k] && !present[k] {
			keep = append(keep, a)
			present[k] = true
		} else {
			remove = append(remove, a)
		}
	}
	var add []tenant.AppRoleAssignment
	for _, a := range run.desired.apis {
		for _, p := range a.resolved.Application {
			k := assignmentKey{a.sp.ObjectID, strings.ToLower(p.ID)}
			if want[k] && !present[k] {
				add = append(add, tenant.AppRoleAssignment{PrincipalID: sp.ObjectID, ResourceID: a.sp.ObjectID, AppRoleID: p.ID})
				present[k] = true
			}
		}
	}
	current := append(slices.Clone(keep), remove...)
	newGrants := run.missingGrants(grants)
	if len(add) > 0 || len(newGrants) > 0 {
		// One round trip for all of it, with a read of what earlier calls wrote (see awaitVisible).
		got, err := run.client.GrantConsent(ctx, tenant.ConsentRequest{PrincipalID: sp.ObjectID, Assignments: add, Grants: newGrants,
			ReadObjectID: run.state.ObjectID.ValueString(), ReadAppID: appID})
		run.seen = &got
		current = append(current, got.Assignments...)
		grants = append(slices.Clone(grants), got.Grants...)
		run.setGranted(ctx, sp, current, grants)
		if err != nil {
			summary := "Cannot grant admin consent for delegated permissions"
			if len(got.Assignments) < len(add) {
				summary = "Cannot grant admin consent for application permissions"
			}
			run.fail(ctx, stepConsent, summary, err)
			return
		}
	}
	if len(remove) > 0 {
		if err := run.client.RemoveAppRoleAssignments(ctx, remove); err != nil {
			run.fail(ctx, stepConsent, "Cannot revoke application permissions that are no longer wanted", err)
			return
		}
		current = slices.DeleteFunc(current, func(a tenant.AppRoleAssignment) bool { return slices.Contains(remove, a) })
	}

	grants, changedGrants, err := run.reconcileGrants(ctx, grants)
	changedGrants += len(newGrants)
	run.setGranted(ctx, sp, current, grants)
	if err != nil {
		run.fail(ctx, stepConsent, "Cannot grant admin consent for delegated permissions", err)
		return
	}
	switch {
	case !run.desired.grantConsent:
		run.step(stepConsent, statusSucceeded, fmt.Sprintf("grant_admin_consent is false: revoked %d application permission(s) and %d delegated grant(s).", len(remove), changedGrants))
	case len(add) == 0 && len(remove) == 0 && changedGrants == 0:
		run.step(stepConsent, statusUnchanged, "Admin consent already matches the requested permissions.")
	default:
		run.step(stepConsent, statusSucceeded, fmt.Sprintf("Admin consent granted: %d application permission(s) added, %d removed, %d delegated grant(s) changed.",
			len(add), len(remove), changedGrants))
	}
}

// wantedScopes maps each resource SP object ID to the delegated scopes consent should grant on it.
func (run *applyRun) wantedScopes() map[string][]string {
	want := map[string][]string{}
	if run.desired.grantConsent {
		for _, a := range run.desired.apis {
			for _, p := range a.resolved.Delegated {
				want[a.sp.ObjectID] = append(want[a.sp.ObjectID], p.Value)
			}
		}
	}
	return want
}

// missingGrants are the all-users grants to create: one per resource with wanted scopes and
// no grant yet, in a stable order.
func (run *applyRun) missingGrants(grants []tenant.DelegatedGrant) []tenant.DelegatedGrant {
	want := run.wantedScopes()
	resources := make([]string, 0, len(want))
	for id := range want {
		if !slices.ContainsFunc(grants, func(g tenant.DelegatedGrant) bool { return g.ResourceID == id }) {
			resources = append(resources, id)
		}
	}
	sort.Strings(resources)
	out := make([]tenant.DelegatedGrant, 0, len(resources))
	for _, id := range resources {
		out = append(out, tenant.DelegatedGrant{ResourceID: id, ConsentType: tenant.ConsentAllPrincipals, Scopes: want[id]})
	}
	return out
}

// reconcileGrants makes the existing all-users delegated grants match (the missing ones are
// created with the assignments): it updates the scopes of those that differ and deletes
// those not wanted, and returns the grants that exist afterwards and how many it changed.
func (run *applyRun) reconcileGrants(ctx context.Context, grants []tenant.DelegatedGrant) ([]tenant.DelegatedGrant, int, error) {
	wantScopes := run.wantedScopes()
	changed := 0
	var out []tenant.DelegatedGrant
	seen := map[string]bool{}
	for i, g := range grants {
		scopes, ok := wantScopes[g.ResourceID]
		switch {
		case !ok || seen[g.ResourceID]:
			if err := run.client.DeleteDelegatedGrant(ctx, g.ID); err != nil && !errors.Is(err, tenant.ErrNotFound) {
				return append(out, grants[i:]...), changed, err
			}
			changed++
		case !sameStrings(g.Scopes, scopes):
			if err := run.client.UpdateDelegatedGrant(ctx, g.ID, scopes); err != nil {
				return append(out, grants[i:]...), changed, err
			}
			g.Scopes = scopes
			out = append(out, g)
			changed++
		default:
			out = append(out, g)
		}
		seen[g.ResourceID] = true
	}
	return out, changed, nil
}

func sameStrings(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// sameAccess compares requiredResourceAccess lists regardless of order.
func sameAccess(a, b []tenant.ResourceAccess) bool {
	norm := func(ras []tenant.ResourceAccess) map[string][2][]string {
		m := map[string][2][]string{}
		for _, ra := range ras {
			if len(ra.Roles) == 0 && len(ra.Scopes) == 0 {
				continue
			}
			e := m[strings.ToLower(ra.ResourceAppID)]
			e[0] = append(e[0], lowerAll(ra.Roles)...)
			e[1] = append(e[1], lowerAll(ra.Scopes)...)
			m[strings.ToLower(ra.ResourceAppID)] = e
		}
		return m
	}
	ma, mb := norm(a), norm(b)
	if len(ma) != len(mb) {
		return false
	}
	for k, ea := range ma {
		eb, ok := mb[k]
		if !ok || !sameStrings(ea[0], eb[0]) || !sameStrings(ea[1], eb[1]) {
			return false
		}
	}
	return true
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// grantedModels names what the service principal holds: app role
// assignments and all-users grants, grouped by API.
func grantedModels(labels labeller, byObjectID map[string]*tenant.ServicePrincipal, principalID string, assignments []tenant.AppRoleAssignment, grants []tenant.DelegatedGrant) []apiPermissionModel {
	byAPI := map[string]*apiPermissionModel{}
	entry := func(resourceID string) (*apiPermissionModel, *tenant.ServicePrincipal) {
		sp := byObjectID[resourceID]
		label := resourceID
		if sp != nil {
			label = labels.label(sp.AppID)
		}
		m, ok := byAPI[label]
		if !ok {
			m = &apiPermissionModel{API: label}
			byAPI[label] = m
		}
		return m, sp
	}
	for _, a := range assignments {
		if principalID != "" && a.PrincipalID != "" && a.PrincipalID != principalID {
			continue
		}
		m, sp := entry(a.ResourceID)
		m.Application = append(m.Application, nameOf(sp, permissions.Application, a.AppRoleID))
	}
	for _, g := range grants {
		if g.ConsentType != "AllPrincipals" || len(g.Scopes) == 0 {
			continue
		}
		m, _ := entry(g.ResourceID)
		m.Delegated = append(m.Delegated, g.Scopes...)
	}
	out := []apiPermissionModel{}
	for _, m := range byAPI {
		m.Application = slices.Compact(nonNil(m.Application))
		m.Delegated = slices.Compact(nonNil(m.Delegated))
		out = append(out, *m)
	}
	return out
}
