package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

var (
	_ resource.ResourceWithConfigure   = &TargetRegistrationResource{}
	_ resource.ResourceWithModifyPlan  = &TargetRegistrationResource{}
	_ resource.ResourceWithImportState = &TargetRegistrationResource{}
)

// Entra's portal offers client secrets of at most 24 months, and Microsoft
// recommends far less; 180 days is the portal's recommended choice.
const (
	defaultSecretLifetimeDays = 180
	maxSecretLifetimeDays     = 730
	defaultSecretDisplayName  = "stellar-migrator (managed by Terraform)"
)

// NewTargetRegistrationResource is the constructor providerserver uses.
func NewTargetRegistrationResource() resource.Resource {
	return &TargetRegistrationResource{}
}

// TargetRegistrationResource is Auto Registration as a resource: the
// application, its API permissions, admin consent and client secret.
type TargetRegistrationResource struct {
	data *providerData
}

type targetRegistrationResourceModel struct {
	ID                         types.String   `tfsdk:"id"`
	DisplayName                types.String   `tfsdk:"display_name"`
	PermissionSet              types.String   `tfsdk:"permission_set"`
	APIPermissions             types.Set      `tfsdk:"api_permissions"`
	RequestedPermissions       types.Set      `tfsdk:"requested_permissions"`
	DirectoryRoles             types.Set      `tfsdk:"directory_roles"`
	GrantAdminConsent          types.Bool     `tfsdk:"grant_admin_consent"`
	ConsentHandoff             types.Bool     `tfsdk:"consent_handoff"`
	AdoptExisting              types.Bool     `tfsdk:"adopt_existing"`
	AdminConsentURL            types.String   `tfsdk:"admin_consent_url"`
	ClientSecretEnabled        types.Bool     `tfsdk:"client_secret_enabled"`
	ClientCertificate          types.String   `tfsdk:"client_certificate"`
	ClientCertThumbprint       types.String   `tfsdk:"client_certificate_thumbprint"`
	ClientSecretDisplayName    types.String   `tfsdk:"client_secret_display_name"`
	ClientSecretLifetimeDays   types.Int64    `tfsdk:"client_secret_lifetime_days"`
	ClientSecretEndDate        types.String   `tfsdk:"client_secret_end_date"`
	RotateWhenChanged          types.Map      `tfsdk:"rotate_when_changed"`
	SecretGracePeriod          types.String   `tfsdk:"client_secret_grace_period"`
	PreviousSecretKeyID        types.String   `tfsdk:"previous_client_secret_key_id"`
	PreviousSecretRetiresAt    types.String   `tfsdk:"previous_client_secret_retires_at"`
	PermanentlyDeleteOnDestroy types.Bool     `tfsdk:"permanently_delete_on_destroy"`
	ClientID                   types.String   `tfsdk:"client_id"`
	ObjectID                   types.String   `tfsdk:"object_id"`
	ServicePrincipalID         types.String   `tfsdk:"service_principal_id"`
	TenantID                   types.String   `tfsdk:"tenant_id"`
	ClientSecret               types.String   `tfsdk:"client_secret"`
	ClientSecretKeyID          types.String   `tfsdk:"client_secret_key_id"`
	UntrackedSecretKeyIDs      types.Set      `tfsdk:"untracked_client_secret_key_ids"`
	ClientSecretExpiresAt      types.String   `tfsdk:"client_secret_expires_at"`
	GrantedPermissions         types.Set      `tfsdk:"granted_permissions"`
	Steps                      types.List     `tfsdk:"steps"`
	Result                     types.String   `tfsdk:"result"`
	Timeouts                   timeouts.Value `tfsdk:"timeouts"`
}

func (r *TargetRegistrationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_target_registration"
}

func permissionAttributes(computedOnly bool) map[string]schema.Attribute {
	if computedOnly {
		return map[string]schema.Attribute{
			"api":         schema.StringAttribute{Computed: true, MarkdownDescription: "The API, as named in `api_permissions`."},
			"application": schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Consented application permissions (app role assignments)."},
			"delegated":   schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Consented delegated permissions (the tenant-wide grant's scopes)."},
		}
	}
	return map[string]schema.Attribute{
		"api": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "The API: `microsoft_graph`, `exchange_online`, or the application ID (GUID) of any API " +
				"that has a service principal in the tenant.",
			Validators: []validator.String{apiNameValidator{}},
		},
		"application": schema.SetAttribute{
			Optional: true, Computed: true, ElementType: types.StringType,
			Default:             setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
			MarkdownDescription: "Application (app-only) permissions by name, for example `Mail.ReadWrite`. Names are case-sensitive and are looked up in the tenant's own catalogue of that API; an empty or blank name is an error. Default `[]`; the entry needs at least one application or delegated permission.",
			Validators:          []validator.Set{permissionNamesValidator{}},
		},
		"delegated": schema.SetAttribute{
			Optional: true, Computed: true, ElementType: types.StringType,
			Default:             setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
			MarkdownDescription: "Delegated permissions by name, for example `User.Read`, case-sensitive and looked up like `application`. With `grant_admin_consent` they are consented for all users. Default `[]`.",
			Validators:          []validator.Set{permissionNamesValidator{}},
		},
	}
}

func (r *TargetRegistrationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Registers the application a migration tool uses to connect to its target Microsoft 365 tenant: " +
			"the app registration in Entra ID, its API permissions, admin consent and a client secret. It is the " +
			"Auto Registration of Stellar Migrator for Exchange as code; `steps` reports each step's result.\n\n" +
			"`terraform plan` shows drift: a permission added or removed in the portal, consent revoked, the secret " +
			"deleted or expired, or the application deleted. `terraform apply` puts things back.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The application's object ID (same as `object_id`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"display_name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The application's display name in Entra ID, for example `Stellar Migrator - target`. 1 to 256 characters, not only spaces; changes in place.",
				Validators:          []validator.String{displayNameValidator{}},
			},
			"permission_set": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The permission set for the way the migration tool reaches mailboxes. " + presetList() +
					". `api_permissions` adds to it (each permission once). Without it, `api_permissions` alone is requested " +
					"when set, and the `graph` set when not. See the guide \"Choosing permissions for a migration\".",
				Validators: []validator.String{presetValidator{}},
			},
			"api_permissions": schema.SetNestedAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "API permissions to request, by name, one entry per API, added to those of " +
					"`permission_set`. Not set: the permission set's own permissions (with neither attribute, the `graph` " +
					"set: Microsoft Graph application permissions `Calendars.ReadWrite`, `Contacts.ReadWrite`, " +
					"`Mail.ReadWrite`, `MailboxSettings.ReadWrite`, `Tasks.ReadWrite.All` and `User.Read.All`). An unknown " +
					"name is a plan-time error that lists close matches. At most 50 APIs (Entra ID's limit), each listed once " +
					"(`microsoft_graph` and its application ID are the same API); an empty list is an error.",
				NestedObject: schema.NestedAttributeObject{Attributes: permissionAttributes(false)},
				Validators: []validator.Set{setvalidator.SizeAtMost(50), notEmptySet{"api_permissions",
					"Leave api_permissions out for the permission set's own permissions, or list at least one API with its " +
						"permissions; a registration without any permission cannot migrate mailboxes."}},
			},
			"requested_permissions": schema.SetNestedAttribute{
				Computed: true,
				MarkdownDescription: "The permissions the application requests (its API permissions page), read back from the " +
					"tenant: `permission_set` and `api_permissions` together. Differs from the configuration in a plan when " +
					"permissions were added or removed outside Terraform.",
				NestedObject: schema.NestedAttributeObject{Attributes: permissionAttributes(true)},
			},
			"directory_roles": schema.SetAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Directory roles held by the service principal, by name, that the permission set assigns: " +
					"`Exchange Administrator` with `exchange_powershell` (Exchange.ManageAsApp lets the app in; the role says what " +
					"it may do). Read back from the tenant; a role removed outside Terraform shows in the plan and is assigned " +
					"again; changing to another permission set removes it.",
			},
			"grant_admin_consent": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Grant tenant-wide admin consent (default `true`): create the service principal, one app " +
					"role assignment per application permission and an all-users grant for delegated ones. With `false`, " +
					"permissions are only requested and existing consent is revoked.",
			},
			"client_secret_enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Make a client secret (default `true`). With `false` no secret is made, `client_secret` is " +
					"null and nothing secret enters state: give the migration tool a certificate with `client_certificate` instead. " +
					"Turning it off removes the secret this resource made, in the same apply.",
			},
			"client_certificate": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A PEM-encoded X.509 certificate (`-----BEGIN CERTIFICATE-----`, the public part only) to add " +
					"to the application as a certificate credential. The migration tool signs in with the matching private key, " +
					"which never passes through Terraform; only the certificate, which is public, is in state. Changing it replaces " +
					"the certificate this resource added; certificates added by hand are left alone. Exactly one `CERTIFICATE` PEM " +
					"block: a private key or any other block is a plan-time error. Default: none (no certificate).",
				Validators: []validator.String{certificateValidator{}},
			},
			"client_certificate_thumbprint": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The SHA-1 thumbprint (upper-case hex) of `client_certificate`, as the Entra admin center " +
					"shows it and as migration tools ask for it; null when no certificate is set or it was removed from the tenant.",
			},
			"client_secret_display_name": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(defaultSecretDisplayName),
				MarkdownDescription: fmt.Sprintf("The secret's description as the portal shows it. Default `%s`; 1 to 256 "+
					"bytes (256 ASCII characters). Changing it rotates the secret. The provider recognises the secrets it made by "+
					"this name (`untracked_client_secret_key_ids`).", defaultSecretDisplayName),
				Validators: []validator.String{stringvalidator.LengthBetween(1, 256)},
			},
			"client_secret_lifetime_days": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How long the secret is valid, in days: 1 to %d (the portal's 24-month maximum). "+
					"Default %d when `client_secret_end_date` is not set either. Changing it rotates the secret.",
					maxSecretLifetimeDays, defaultSecretLifetimeDays),
				Validators: []validator.Int64{
					int64validator.Between(1, maxSecretLifetimeDays),
					int64validator.ConflictsWith(path.MatchRoot("client_secret_end_date")),
				},
			},
			"client_secret_end_date": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("When the secret expires, as an RFC 3339 timestamp such as `2027-06-30T00:00:00Z`; "+
					"in the future and at most %d days ahead when a plan creates a secret. Conflicts with `client_secret_lifetime_days`. "+
					"Default: none (`client_secret_lifetime_days` applies). Changing it rotates the secret.",
					maxSecretLifetimeDays),
				Validators: []validator.String{endDateValidator{}},
			},
			"rotate_when_changed": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Arbitrary values; any change rotates the secret in place. The new secret is created before " +
					"the old one is removed. Use it with `time_rotating` to rotate on a schedule. Any keys and string values; " +
					"default: none.",
			},
			"client_secret_grace_period": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("0s"),
				MarkdownDescription: "How long the replaced secret stays valid after a rotation, as a duration of zero or more " +
					"such as `90m`, `24h` or `168h` (Go's units, up to `h`: there is no `d`), so " +
					"that the migration tool can switch to the new one. The new secret is always created first and confirmed to " +
					"sign in before the old one is retired; the first apply after the grace period removes the old one. Default " +
					"`0s`: removed by the rotating apply, once the new one signs in.",
				Validators: []validator.String{gracePeriodValidator{}},
			},
			"previous_client_secret_key_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The key ID of the secret a rotation replaced while it is in its grace period; null otherwise.",
			},
			"previous_client_secret_retires_at": schema.StringAttribute{
				Computed: true, MarkdownDescription: "When the previous secret's grace period ends (RFC 3339); the first apply after it removes the secret.",
			},
			"permanently_delete_on_destroy": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "On destroy, also remove the application from deleted items so it cannot be restored " +
					"(default `false`: Entra keeps deleted applications restorable for 30 days).",
			},
			"consent_handoff": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Register only, and hand admin consent to an administrator who may grant it (a Global " +
					"Administrator or Privileged Role Administrator for Microsoft Graph's application permissions): the provider " +
					"neither grants nor revokes consent, `admin_consent_url` is the page to send them, and each plan warns that " +
					"consent is pending until the consented permissions match `api_permissions`. For an Application Administrator, " +
					"or an application holding only `Application.ReadWrite.OwnedBy`. Needs `grant_admin_consent = false`. Default `false`.",
			},
			"adopt_existing": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "When creating, take over an application of the same `display_name` that this provider " +
					"registered but no state holds (left by an apply that was interrupted after the application was made) " +
					"instead of failing the plan with the import command. Only an application carrying this provider's tag, and only " +
					"when exactly one has that name: one made by the wizard or by hand is never adopted, import it. Default `false`.",
			},
			"admin_consent_url": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The admin consent page of the application: an administrator who opens it, signs in and accepts " +
					"grants every permission the application requests, for the whole tenant (`<sign-in host>/<tenant>/adminconsent?client_id=<client_id>`).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"client_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The Application (client) ID the migration tool signs in with.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"object_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The application's object ID in Entra ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"service_principal_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The object ID of the application's service principal (enterprise application) in the tenant; null until consent creates it.",
			},
			"tenant_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The Directory (tenant) ID, as a GUID.",
			},
			"client_secret": schema.StringAttribute{
				Computed: true, Sensitive: true,
				MarkdownDescription: "The client secret value. Entra shows it only once, at creation; it is kept in state. " +
					"After an import it is null until the next apply creates a new secret.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"client_secret_key_id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The key ID of the secret (not the secret).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"untracked_client_secret_key_ids": schema.SetAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Key IDs of secrets on the application that carry `client_secret_display_name` but that " +
					"state does not hold: made by an apply whose answer was lost or that was killed, so nobody holds their value. " +
					"They show in the plan and the next apply removes them. Secrets with other names (made by hand) are reported " +
					"by a warning and left alone.",
			},
			"client_secret_expires_at": schema.StringAttribute{
				Computed: true, MarkdownDescription: "When the secret expires (RFC 3339).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"granted_permissions": schema.SetNestedAttribute{
				Computed: true,
				MarkdownDescription: "What is actually consented in the tenant, read back from it: app role assignments held " +
					"by the service principal and its all-users delegated grants. Differs from `api_permissions` in a plan when " +
					"consent was revoked or added outside Terraform.",
				NestedObject: schema.NestedAttributeObject{Attributes: permissionAttributes(true)},
			},
			"steps": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "What the last apply did, step by step, like the green checks of Auto Registration, in " +
					"the order the steps run: `register_application`, `assign_permissions`, `create_client_secret`, " +
					"`grant_admin_consent` (the secret is made before consent, so a failed consent never loses it). Each has a " +
					"`status` (`succeeded`, `unchanged`, `skipped`, `failed`, `not_started`), a `mark` and a `detail`.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":   schema.StringAttribute{Computed: true, MarkdownDescription: "The step."},
					"status": schema.StringAttribute{Computed: true, MarkdownDescription: "Its result."},
					"mark": schema.StringAttribute{Computed: true, MarkdownDescription: "The result at a glance: `✔` succeeded or " +
						"unchanged, `✘` failed, `–` skipped, `·` not started."},
					"detail": schema.StringAttribute{Computed: true, MarkdownDescription: "What happened, in words."},
				}},
			},
			"result": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The last apply's result in one line, as the wizard ends: `Successfully Completed` when " +
					"every step succeeded, was unchanged or was skipped; otherwise `Failed at <step>: <detail>` or " +
					"`Not completed: <step> did not run.`",
			},
			"timeouts": withTimeoutsValidator(timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true,
				CreateDescription: "How long a create may take, including waits for throttling and replication. Default `20m`. " + timeoutFormat,
				ReadDescription:   "How long reading the registration may take, in every refresh and plan. Default `5m`. " + timeoutFormat,
				UpdateDescription: "How long an update (a rotation, new permissions, consent) may take. Default `20m`. " + timeoutFormat,
				DeleteDescription: "How long a destroy may take, the purge from deleted items included. Default `10m`. " + timeoutFormat +
					" Taken from state: set it and apply before the destroy that needs it.",
			})),
		},
	}
}

func (r *TargetRegistrationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *TargetRegistrationResource) client(ctx context.Context, diags *diag.Diagnostics) *tenant.Client {
	if r.data == nil {
		diags.AddError("Provider not configured", "The stellar provider was not configured before use.")
		return nil
	}
	return r.data.requireTenant(ctx, diags)
}

// startApply resolves the plan's permissions and prepares the run that
// carries out create or update; nil when it cannot start.
func (r *TargetRegistrationResource) startApply(ctx context.Context, plan targetRegistrationResourceModel, diags *diag.Diagnostics) *applyRun {
	client := r.client(ctx, diags)
	if client == nil {
		return nil
	}
	desired, d := r.desired(ctx, client, plan)
	diags.Append(d...)
	if diags.HasError() {
		return nil
	}
	run := newApplyRun(client, r.data.tenantID, desired)
	run.consentURL = r.data.adminConsentURL
	run.signsIn = r.data.secretSignsIn
	return run
}

func (r *TargetRegistrationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan targetRegistrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, 20*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := r.client(ctx, &resp.Diagnostics)
	if client == nil {
		return
	}
	// The look for an earlier registration of this name, the permission catalogue and the
	// create of the application do not depend on each other: one round trip for all three.
	// The application is made before the look has answered, so when the look finds an earlier
	// registration after all (an interrupted apply's, rare), the new one is removed again.
	name := plan.DisplayName.ValueString()
	type found struct {
		apps []*tenant.Application
		err  error
	}
	lookup := make(chan found, 1)
	go func() {
		if r.data.orphanFree.fresh(name) {
			lookup <- found{} // this process's plan of it, moments ago, found none
			return
		}
		apps, err := managedOrphans(ctx, client, name)
		lookup <- found{apps, err}
	}()
	made := make(chan newApplication, 1)
	go func() { made <- registerApplication(ctx, client, name) }()
	run := r.startApply(ctx, plan, &resp.Diagnostics)
	earlier, created := <-lookup, <-made
	orphans := slices.DeleteFunc(earlier.apps, func(a *tenant.Application) bool { return slices.Contains(a.Tags, created.tag) })
	resp.Diagnostics.Append(setTrackedSince(ctx, resp.Private, time.Now())...)
	if run == nil {
		r.discardCreated(ctx, client, plan, created, resp)
		return
	}
	switch {
	case earlier.err != nil:
		r.discardCreated(ctx, client, plan, created, resp)
		addTenantError(&resp.Diagnostics, "Cannot look for an earlier registration of this name", earlier.err)
		return
	case len(orphans) == 1 && plan.AdoptExisting.ValueBool():
		if !r.discardCreated(ctx, client, plan, created, resp) {
			return
		}
		tflog.Info(ctx, "adopting an application this provider made earlier", map[string]any{"object_id": orphans[0].ObjectID})
		// Nobody holds the secrets the interrupted apply made: they go.
		prior := importedState(orphans[0])
		prior.ClientSecretDisplayName = plan.ClientSecretDisplayName
		var d diag.Diagnostics
		prior.UntrackedSecretKeyIDs, d = untrackedSecrets(ctx, prior, orphans[0], time.Time{}, &d)
		resp.Diagnostics.Append(d...)
		run.update(ctx, plan, prior, nil)
	case len(orphans) > 0:
		// Checked again here, after any destroy this apply ran first: what is left is a
		// registration no state holds. The one made beside the look goes again.
		r.discardCreated(ctx, client, plan, created, resp)
		summary, detail := orphanError(name, orphans)
		resp.Diagnostics.AddAttributeError(path.Root("display_name"), summary, detail)
		return
	default:
		run.create(ctx, plan, created)
	}
	resp.Diagnostics.Append(run.diags...)
	// Whatever happened, state records what exists: a partial registration is
	// saved (and tainted by Terraform when there was an error), so the next
	// apply replaces it and destroy removes it; nothing is orphaned.
	if run.state == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, run.state)...)
}

// discardCreated removes the application a create made beside its look for an earlier
// registration, when the create cannot go on with it, and purges it from deleted items (it
// never held anything). It reports whether it is gone; if not, state records it, so that
// Terraform taints it and the next apply or destroy removes it: nothing is orphaned.
func (r *TargetRegistrationResource) discardCreated(ctx context.Context, client *tenant.Client, plan targetRegistrationResourceModel,
	created newApplication, resp *resource.CreateResponse) bool {
	if created.app == nil {
		return true
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
	}
	tflog.Info(ctx, "removing the application this create made, which it cannot use", map[string]any{"object_id": created.app.ObjectID})
	delErr, purgeErr := client.DeleteAndPurgeApplication(ctx, created.app.ObjectID)
	switch {
	case delErr != nil && !errors.Is(delErr, tenant.ErrNotFound):
		run := newApplyRun(client, r.data.tenantID, desiredRegistration{displayName: created.app.DisplayName})
		run.consentURL = r.data.adminConsentURL
		run.recordCreated(ctx, plan, created.app)
		resp.Diagnostics.Append(run.diags...)
		resp.Diagnostics.Append(resp.State.Set(ctx, run.state)...)
		addTenantError(&resp.Diagnostics, "Cannot remove the application this create made", delErr)
		return false
	case purgeErr != nil && !errors.Is(purgeErr, tenant.ErrNotFound):
		resp.Diagnostics.AddWarning("The removed application stays in deleted items",
			fmt.Sprintf("Application %s, which this create made and could not use, was deleted but not purged: %s. Entra ID "+
				"purges it after 30 days; nothing signs in with it.", created.app.ObjectID, describeTenantError(purgeErr)))
	}
	return true
}

func (r *TargetRegistrationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state targetRegistrationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, &resp.Diagnostics)
	if client == nil {
		return
	}
	timeout, d := state.Timeouts.Read(ctx, 5*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	reg, err := client.ReadRegistrationWithRoles(ctx, state.ObjectID.ValueString(), state.ClientID.ValueString(), rolesPrincipal(state))
	if errors.Is(err, tenant.ErrNotFound) {
		if r.awaitingPurge(ctx, client, state, resp) {
			return
		}
		tflog.Info(ctx, "application no longer exists; removing it from state", map[string]any{"object_id": state.ObjectID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addTenantError(&resp.Diagnostics, "Cannot read the registration", err)
		return
	}
	since, d := trackedSince(ctx, req.Private)
	resp.Diagnostics.Append(d...)
	newState, d := observe(ctx, client, state, reg, since)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case reg.ServicePrincipal == nil:
		newState.DirectoryRoles = roleNameSet(nil)
	case wantsRoleRead(state):
		held, err := heldDirectoryRoles(ctx, client, reg)
		switch {
		case err != nil && state.DirectoryRoles.IsNull() && errors.Is(err, tenant.ErrForbidden):
			// An import by a provider that may not read roles: the registration is still
			// importable; a permission set that assigns roles needs the right at plan time anyway.
			resp.Diagnostics.AddWarning("Directory roles not read",
				"The provider may not read directory role assignments (RoleManagement.Read.Directory), so directory_roles "+
					"is imported empty. That matters only with permission_set = \"exchange_powershell\", which needs "+
					"RoleManagement.ReadWrite.Directory to assign the Exchange Administrator role.")
			newState.DirectoryRoles = roleNameSet(nil)
		case err != nil:
			addTenantError(&resp.Diagnostics, "Cannot read the service principal's directory roles", err)
			return
		default:
			newState.DirectoryRoles = roleNameSet(roleIDs(held))
		}
	}
	if newState.TenantID.IsNull() && r.data.tenantID != "" {
		newState.TenantID = types.StringValue(r.data.tenantID)
	}
	newState.AdminConsentURL = types.StringValue(r.data.adminConsentURL(newState.ClientID.ValueString()))
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
}

func (r *TargetRegistrationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state targetRegistrationResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, 20*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	run := r.startApply(ctx, plan, &resp.Diagnostics)
	if run == nil {
		return
	}
	retired, d := retiredSecrets(ctx, req.Private)
	resp.Diagnostics.Append(d...)
	run.update(ctx, plan, state, retired)
	resp.Diagnostics.Append(run.diags...)
	// Before the first change to the tenant the run has no state of its own;
	// the prior state is then still the truth (the planned one holds unknowns).
	newState := run.state
	if newState == nil {
		newState = &state
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
	resp.Diagnostics.Append(setRetiredSecrets(ctx, resp.Private, run.retired)...)
}

func (r *TargetRegistrationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state targetRegistrationResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, &resp.Diagnostics)
	if client == nil {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, 10*time.Minute)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	objectID := state.ObjectID.ValueString()
	purge := state.PermanentlyDeleteOnDestroy.ValueBool()
	var deleteErr, purgeErr error
	if purge {
		// The delete and the purge in one round trip; a step that did not succeed there is
		// confirmed against the tenant the long way below.
		if deleteErr, purgeErr = client.DeleteAndPurgeApplication(ctx, objectID); deleteErr == nil && purgeErr == nil {
			return
		}
	}
	if !purge || deleteErr != nil {
		if err := deleteConfirmed(ctx, client, objectID); err != nil {
			addTenantError(&resp.Diagnostics, "Cannot delete the application", err)
			return
		}
	}
	if purge {
		if err := purgeConfirmed(ctx, client, objectID); err != nil {
			addTenantError(&resp.Diagnostics, "The application was deleted but cannot be removed from deleted items", err)
			return
		}
	}
}

func (r *TargetRegistrationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if !permissions.IsGUID(id) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q is not a GUID. Import by the application's object ID or its Application (client) ID, "+
				"for example: terraform import stellar_target_registration.this 00000000-0000-0000-0000-000000000000", id))
		return
	}
	client := r.client(ctx, &resp.Diagnostics)
	if client == nil {
		return
	}
	app, err := client.GetApplication(ctx, id)
	if errors.Is(err, tenant.ErrNotFound) {
		app, err = client.FindApplicationByAppID(ctx, id)
	}
	if errors.Is(err, tenant.ErrNotFound) {
		resp.Diagnostics.AddError("Application not found",
			fmt.Sprintf("No application with object ID or client ID %s exists in tenant %s.", id, r.data.tenantID))
		return
	}
	if err != nil {
		addTenantError(&resp.Diagnostics, "Cannot read the application to import", err)
		return
	}
	state := importedState(app)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	// Its secrets so far are not this state's to remove: the migration tool may use them.
	// Secret start times are whole seconds, so one made in this very second would look
	// made after the import: tracking starts at the next whole second.
	resp.Diagnostics.Append(setTrackedSince(ctx, resp.Private, time.Now().Truncate(time.Second).Add(time.Second))...)
}

// addTenantError turns a tenant error into a diagnostic that names Graph's code and what to do.
func addTenantError(diags *diag.Diagnostics, summary string, err error) {
	diags.AddError(summary, describeTenantError(err))
}

// timeoutFormat is the format every timeouts entry takes (timeoutsValidator enforces it).
const timeoutFormat = "A positive duration such as `90s`, `30m` or `1h30m` (Go's duration format: units up to `h`, no `d`)."

// withTimeoutsValidator adds timeoutsValidator to the framework's timeouts attribute.
func withTimeoutsValidator(a schema.Attribute) schema.Attribute {
	if o, ok := a.(schema.SingleNestedAttribute); ok {
		o.Validators = append(o.Validators, timeoutsValidator{})
		o.MarkdownDescription = "How long each operation may take, as durations such as \"10m\": `create` and `update` " +
			"(default 20m), `read` (5m), `delete` (10m). Each must be a positive duration. Default: none (every operation " +
			"takes its default)."
		return o
	}
	return a
}

// innermostError is the root cause of a network error: "connection refused", not the chain.
func innermostError(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// rightsFor names what a tenant operation needs: the Graph permission, and the directory
// roles of which a signed-in person needs one.
func rightsFor(op string) (permission, roles string) {
	switch op {
	case "AssignAppRoles", "RemoveAppRoleAssignments":
		return "AppRoleAssignment.ReadWrite.All", "Global Administrator or Privileged Role Administrator (for Microsoft Graph's permissions)"
	case "CreateDelegatedGrant", "UpdateDelegatedGrant", "DeleteDelegatedGrant":
		return "DelegatedPermissionGrant.ReadWrite.All", "Global Administrator, Privileged Role Administrator, Application Administrator or Cloud Application Administrator"
	case "ReadRegistration", "GetApplication", "FindApplicationByAppID", "AppRoleAssignments", "DelegatedGrants":
		return "Application.Read.All (or Application.ReadWrite.All)", "none: members may read"
	default:
		return "Application.ReadWrite.All", "Global Administrator, Application Administrator or Cloud Application Administrator (or owner of the application)"
	}
}

func describeTenantError(err error) string {
	var terr *tenant.Error
	var uerr *url.Error
	switch {
	case errors.As(err, &uerr) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		u, _ := url.Parse(uerr.URL)
		host := uerr.URL
		if u != nil {
			host = u.Scheme + "://" + u.Host
		}
		return fmt.Sprintf("graph_endpoint %s cannot be reached: %v.\n\nHow to fix it: check graph_endpoint (STELLAR_GRAPH_ENDPOINT): "+
			"leave it unset for your cloud's Microsoft Graph, or give the https URL of the Graph you use (without /v1.0), such as the "+
			"tenant emulator's. Check the network and any proxy (HTTPS_PROXY) between this machine and it; for a certificate error, "+
			"trust its CA with ca_certificate_file.", host, innermostError(uerr.Err))
	case !errors.As(err, &terr):
		return err.Error()
	}
	detail := fmt.Sprintf("Microsoft Graph answered HTTP %d %s: %s", terr.Status, terr.Code, terr.Message)
	switch {
	case terr.Code == "Authorization_RequestDenied" || terr.Status == 403:
		permission, roles := rightsFor(terr.Op)
		detail += "\n\nHow to fix it: Graph refused " + terr.Op + ", which needs the Microsoft Graph permission " + permission +
			" (an application permission with admin consent when the provider signs in as an application; the delegated scope " +
			"when a person signs in) and, for a person, one of the directory roles " + roles + ". Grant the missing one, or sign " +
			"in as someone who holds them; what was done before is in state."
	case terr.Status == 429 || terr.Status >= 500:
		retried := ""
		if terr.Retried != "" {
			retried = " The provider retried (" + terr.Retried + ") before giving up."
		}
		detail += "\n\nHow to fix it: the service is throttling or unavailable." + retried + " Run the same command again; " +
			"with many registrations, a lower -parallelism eases throttling."
	}
	if terr.RequestID != "" {
		detail += "\n(request-id " + terr.RequestID + ")"
	}
	return detail
}
