package permissions

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var graph = Catalogue{
	AppID:       MicrosoftGraphAppID,
	DisplayName: "Microsoft Graph",
	Roles: []Permission{
		{ID: "df021288-bdef-4463-88db-98f22de89214", Value: "User.Read.All"},
		{ID: "e2a3a72e-5f79-4c64-b1b1-878b674786c9", Value: "Mail.ReadWrite"},
		{ID: "810c84a8-4a9e-49e6-bf7d-12d183f40d01", Value: "Mail.Read"},
		{ID: "44e666d1-d276-445b-a5fc-8815eeb81d55", Value: "Tasks.ReadWrite.All"},
	},
	Scopes: []Permission{
		{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Value: "User.Read"},
		{ID: "2219042f-cab5-40cc-b0d2-16b1540b4c5f", Value: "Tasks.ReadWrite"},
	},
}

func TestAPIAppID(t *testing.T) {
	tests := []struct {
		api     string
		want    string
		wantErr string
	}{
		{api: "microsoft_graph", want: MicrosoftGraphAppID},
		{api: "exchange_online", want: ExchangeOnlineAppID},
		{api: "00000003-0000-0000-C000-000000000000", want: MicrosoftGraphAppID},
		{api: "microsoft_grahp", wantErr: `Did you mean "microsoft_graph"?`},
		{api: "graph", wantErr: "neither a well-known API name (exchange_online, microsoft_graph)"},
		{api: "0000-0000", wantErr: "resource application ID"},
	}
	for _, tt := range tests {
		t.Run(tt.api, func(t *testing.T) {
			got, err := APIAppID(tt.api)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("APIAppID(%q) error = %v, want it to contain %q", tt.api, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("APIAppID(%q) = %q, %v; want %q", tt.api, got, err, tt.want)
			}
		})
	}
}

func TestAPINameRoundTrip(t *testing.T) {
	for _, name := range WellKnownAPINames() {
		id, err := APIAppID(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := APIName(id); got != name {
			t.Errorf("APIName(%s) = %q, want %q", id, got, name)
		}
	}
	if got := APIName("11111111-2222-3333-4444-555555555555"); got != "11111111-2222-3333-4444-555555555555" {
		t.Errorf("an unknown API must keep its ID, got %q", got)
	}
}

func TestResolve(t *testing.T) {
	res, errs := Resolve(Request{
		API:         "microsoft_graph",
		Application: []string{"User.Read.All", "Mail.ReadWrite"},
		Delegated:   []string{"User.Read"},
	}, graph)
	if len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	if res.AppID != MicrosoftGraphAppID || len(res.Application) != 2 || len(res.Delegated) != 1 {
		t.Fatalf("unexpected resolution: %+v", res)
	}
	if res.Application[1].ID != "e2a3a72e-5f79-4c64-b1b1-878b674786c9" {
		t.Errorf("Mail.ReadWrite resolved to %s", res.Application[1].ID)
	}
}

func TestResolveUnknownNames(t *testing.T) {
	tests := []struct {
		name      string
		req       Request
		wantInMsg []string
	}{
		{
			name:      "wrong case suggests the exact name",
			req:       Request{API: "microsoft_graph", Application: []string{"mail.readwrite"}},
			wantInMsg: []string{`no application permission named "mail.readwrite"`, `Did you mean "Mail.ReadWrite"`},
		},
		{
			name:      "typo suggests the nearest",
			req:       Request{API: "microsoft_graph", Application: []string{"User.Reed.All"}},
			wantInMsg: []string{`"User.Read.All"`},
		},
		{
			name:      "delegated-only name used as application",
			req:       Request{API: "microsoft_graph", Application: []string{"User.Read"}},
			wantInMsg: []string{`exists as a delegated permission`},
		},
		{
			name:      "no close match says so plainly",
			req:       Request{API: "microsoft_graph", Application: []string{"Sites.FullControl.All"}},
			wantInMsg: []string{`Microsoft Graph has no application permission named "Sites.FullControl.All".`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Resolve(tt.req, graph)
			if len(errs) != 1 {
				t.Fatalf("want one error, got %v", errs)
			}
			var unknown *UnknownPermissionError
			if !errors.As(errs[0], &unknown) {
				t.Fatalf("want *UnknownPermissionError, got %T", errs[0])
			}
			for _, want := range tt.wantInMsg {
				if !strings.Contains(errs[0].Error(), want) {
					t.Errorf("error %q does not contain %q", errs[0], want)
				}
			}
		})
	}
}

func TestResolveReportsEveryUnknownName(t *testing.T) {
	_, errs := Resolve(Request{API: "microsoft_graph", Application: []string{"A.B", "User.Read.All", "C.D"}, Delegated: []string{"E.F"}}, graph)
	if len(errs) != 3 {
		t.Fatalf("want 3 errors (one per unknown name), got %d: %v", len(errs), errs)
	}
}

func TestSuggest(t *testing.T) {
	cands := []string{"Mail.Read", "Mail.ReadWrite", "Mail.Send", "User.Read.All", "Calendars.ReadWrite"}
	tests := []struct {
		in   string
		want []string
	}{
		{"mail.readwrite", []string{"Mail.ReadWrite"}},
		{"Mail.ReadWrite.All", []string{"Mail.ReadWrite"}},
		{"Calendar.ReadWrite", []string{"Calendars.ReadWrite"}},
		{"Zzz", nil},
	}
	for _, tt := range tests {
		got := Suggest(tt.in, cands)
		if len(tt.want) == 0 {
			if len(got) != 0 {
				t.Errorf("Suggest(%q) = %v, want none", tt.in, got)
			}
			continue
		}
		if len(got) == 0 || got[0] != tt.want[0] {
			t.Errorf("Suggest(%q) = %v, want first %v", tt.in, got, tt.want)
		}
	}
}

func TestDefaultSetIsMigrationSet(t *testing.T) {
	set := DefaultSet()
	if len(set) != 1 || set[0].API != "microsoft_graph" || len(set[0].Delegated) != 0 {
		t.Fatalf("default set must be Microsoft Graph application permissions only, got %+v", set)
	}
	for _, want := range []string{"User.Read.All", "Mail.ReadWrite", "Calendars.ReadWrite", "Contacts.ReadWrite", "MailboxSettings.ReadWrite", "Tasks.ReadWrite.All"} {
		if !slices.Contains(set[0].Application, want) {
			t.Errorf("default set lacks %s", want)
		}
	}
}
