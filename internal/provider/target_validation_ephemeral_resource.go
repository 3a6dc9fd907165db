package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/ephemeralvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure        = &TargetValidationEphemeralResource{}
	_ ephemeral.EphemeralResourceWithConfigValidators = &TargetValidationEphemeralResource{}
)

// NewTargetValidationEphemeralResource is the constructor providerserver uses.
func NewTargetValidationEphemeralResource() ephemeral.EphemeralResource {
	return &TargetValidationEphemeralResource{}
}

// TargetValidationEphemeralResource runs the same validation as the data
// source, but Terraform keeps neither its inputs nor its report in state or
// plan files: the way to validate a secret that must not be stored.
type TargetValidationEphemeralResource struct {
	data *providerData
}

func (r *TargetValidationEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_target_validation"
}

// Schema is the data source's schema, converted, so the two cannot drift apart.
func (r *TargetValidationEphemeralResource) Schema(ctx context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	var ds datasource.SchemaResponse
	(&TargetValidationDataSource{}).Schema(ctx, datasource.SchemaRequest{}, &ds)
	attrs, err := ephemeralAttributes(ds.Schema.Attributes)
	if err != nil {
		resp.Diagnostics.AddError("Schema conversion failed", err.Error())
		return
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: validationDescription + "\n\nAs an ephemeral resource (Terraform 1.10 and later) nothing it reads " +
			"or reports is written to state or plan files, so the client secret can come from a vault and stay out of " +
			"them. Use the data source when the report itself should be kept, for example in outputs.",
		Attributes: attrs,
	}
}

func ephemeralAttributes(in map[string]dsschema.Attribute) (map[string]schema.Attribute, error) {
	out := map[string]schema.Attribute{}
	for name, a := range in {
		switch a := a.(type) {
		case dsschema.StringAttribute:
			out[name] = schema.StringAttribute{Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
		case dsschema.Int64Attribute:
			out[name] = schema.Int64Attribute{Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
		case dsschema.BoolAttribute:
			out[name] = schema.BoolAttribute{Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
		case dsschema.SetAttribute:
			out[name] = schema.SetAttribute{ElementType: a.ElementType, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
		case dsschema.SetNestedAttribute:
			nested, err := ephemeralAttributes(a.NestedObject.Attributes)
			if err != nil {
				return nil, err
			}
			out[name] = schema.SetNestedAttribute{NestedObject: schema.NestedAttributeObject{Attributes: nested}, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
		case dsschema.ListNestedAttribute:
			nested, err := ephemeralAttributes(a.NestedObject.Attributes)
			if err != nil {
				return nil, err
			}
			out[name] = schema.ListNestedAttribute{NestedObject: schema.NestedAttributeObject{Attributes: nested}, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive, MarkdownDescription: a.MarkdownDescription, Validators: a.Validators}
		default:
			return nil, fmt.Errorf("attribute %s: no ephemeral form for %T", name, a)
		}
	}
	return out, nil
}

func (r *TargetValidationEphemeralResource) ConfigValidators(context.Context) []ephemeral.ConfigValidator {
	return []ephemeral.ConfigValidator{
		ephemeralvalidator.ExactlyOneOf(path.MatchRoot("client_secret"), path.MatchRoot("client_certificate")),
	}
}

func (r *TargetValidationEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *TargetValidationEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m targetValidationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	runValidation(ctx, r.data, &m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
