package provider

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/permissions"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tenant"
)

// apiPermissionModel is one element of api_permissions and granted_permissions.
type apiPermissionModel struct {
	API         string   `tfsdk:"api"`
	Application []string `tfsdk:"application"`
	Delegated   []string `tfsdk:"delegated"`
}

// stepModel is one element of steps.
type stepModel struct {
	Name   string `tfsdk:"name"`
	Status string `tfsdk:"status"`
	Mark   string `tfsdk:"mark"`
	Detail string `tfsdk:"detail"`
}

var (
	permissionObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"api":         types.StringType,
		"application": types.SetType{ElemType: types.StringType},
		"delegated":   types.SetType{ElemType: types.StringType},
	}}
	stepObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
		"name":   types.StringType,
		"status": types.StringType,
		"mark":   types.StringType,
		"detail": types.StringType,
	}}
)

// Step names, as Auto Registration names them.
const (
	stepRegister = "register_application"
	stepAssign   = "assign_permissions"
	stepConsent  = "grant_admin_consent"
	stepSecret   = "create_client_secret"
)

// stepOrder is the order the steps run in, and so the order of steps: the secret comes
// before consent, so that a failed consent never costs the one chance to read the secret.
var stepOrder = []string{stepRegister, stepAssign, stepSecret, stepConsent}

// resultSucceeded is the result of an apply whose every step ended well, in the wizard's words.
const resultSucceeded = "Successfully Completed"

// Step statuses.
const (
	statusSucceeded  = "succeeded"
	statusUnchanged  = "unchanged"
	statusSkipped    = "skipped"
	statusFailed     = "failed"
	statusNotStarted = "not_started"
)

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	out := append([]string{}, ss...)
	sort.Strings(out)
	return out
}

func permissionSetValue(ctx context.Context, models []apiPermissionModel) (types.Set, diag.Diagnostics) {
	for i := range models {
		models[i].Application = nonNil(models[i].Application)
		models[i].Delegated = nonNil(models[i].Delegated)
	}
	sort.Slice(models, func(i, j int) bool { return models[i].API < models[j].API })
	if models == nil {
		models = []apiPermissionModel{}
	}
	return types.SetValueFrom(ctx, permissionObjectType, models)
}

func stepsValue(ctx context.Context, steps []stepModel) (types.List, diag.Diagnostics) {
	marked := make([]stepModel, len(steps))
	for i, s := range steps {
		s.Mark = stepMark(s.Status)
		marked[i] = s
	}
	return types.ListValueFrom(ctx, stepObjectType, marked)
}

// stepMark is the wizard's green check, in text: one character a person reads at a glance.
func stepMark(status string) string {
	switch status {
	case statusSucceeded, statusUnchanged:
		return "✔"
	case statusFailed:
		return "✘"
	case statusSkipped:
		return "–"
	default:
		return "·"
	}
}

// stepsResult is the line the wizard ends with: "Successfully Completed" when no step failed
// or was left undone, else the first step that failed or did not run.
func stepsResult(steps []stepModel) string {
	for _, s := range steps {
		if s.Status == statusFailed {
			return "Failed at " + s.Name + ": " + s.Detail
		}
	}
	for _, s := range steps {
		if s.Status == statusNotStarted {
			return "Not completed: " + s.Name + " did not run."
		}
	}
	return resultSucceeded
}

func permissionModels(ctx context.Context, set types.Set) ([]apiPermissionModel, diag.Diagnostics) {
	var models []apiPermissionModel
	if set.IsNull() || set.IsUnknown() {
		return nil, nil
	}
	d := set.ElementsAs(ctx, &models, false)
	return models, d
}

// labeller remembers how the configuration names each API, so that what is
// read back from the tenant is written with the same names and only real
// differences show in a plan.
type labeller map[string]string // application ID -> label

func newLabeller(models []apiPermissionModel) labeller {
	l := labeller{}
	for _, m := range models {
		if id, err := permissions.APIAppID(m.API); err == nil {
			l[id] = m.API
		}
	}
	return l
}

func (l labeller) label(appID string) string {
	if s, ok := l[strings.ToLower(appID)]; ok {
		return s
	}
	return permissions.APIName(appID)
}

// catalogue converts a resource API's service principal into the permissions package's view.
func catalogue(sp *tenant.ServicePrincipal) permissions.Catalogue {
	c := permissions.Catalogue{AppID: sp.AppID, DisplayName: sp.DisplayName}
	for _, p := range sp.AppRoles {
		if p.Enabled {
			c.Roles = append(c.Roles, permissions.Permission{ID: p.ID, Value: p.Value})
		}
	}
	for _, p := range sp.Scopes {
		if p.Enabled {
			c.Scopes = append(c.Scopes, permissions.Permission{ID: p.ID, Value: p.Value})
		}
	}
	return c
}

// nameOf names a permission ID, falling back to the ID itself so that a
// permission unknown to the catalogue still shows in a plan.
func nameOf(sp *tenant.ServicePrincipal, kind permissions.Kind, id string) string {
	if sp != nil {
		if n, ok := catalogue(sp).NameOf(kind, id); ok {
			return n
		}
	}
	return id
}
