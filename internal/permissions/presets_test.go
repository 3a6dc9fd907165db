package permissions

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEWSAdviceWarnsUntilRetirementThenErrs(t *testing.T) {
	ews := []Resolved{
		{API: "exchange_online", AppID: ExchangeOnlineAppID,
			Application: []Permission{{ID: "dc890d15-9560-4a4c-9b7f-a736ec74ec40", Value: "full_access_as_app"}},
			Delegated:   []Permission{{ID: "3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5", Value: "EWS.AccessAsUser.All"}}},
		{API: "microsoft_graph", AppID: MicrosoftGraphAppID,
			Application: []Permission{{ID: "e2a3a72e-5f79-4c64-b1b1-878b674786c9", Value: "Mail.ReadWrite"}},
			Delegated:   []Permission{{ID: "9769c687-087d-48ac-9cb3-c37dde652038", Value: "EWS.AccessAsUser.All"}}},
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		now       time.Time
		wantError bool
		wantText  string
	}{
		{day("2026-09-30"), false, "From 2026-10-01"},
		{day("2026-12-02"), false, "Since 2026-10-01"},
		{day("2027-03-31").Add(23*time.Hour + 59*time.Minute), false, "EwsAllowedAppIDs"},
		{day("2027-04-01"), true, "turned EWS off for good on 2027-04-01"},
	} {
		got := EWSAdvice(ews, tc.now)
		if len(got) != 3 {
			t.Fatalf("%s: want one message per EWS permission (application, Exchange delegated, Graph delegated), got %d: %v", tc.now, len(got), got)
		}
		for _, a := range got {
			if a.Error != tc.wantError || !strings.Contains(a.Detail, tc.wantText) || !strings.Contains(a.Detail, "graph_import_export") {
				t.Errorf("%s: got %+v, want error=%v mentioning %q and the Graph alternative", tc.now, a, tc.wantError, tc.wantText)
			}
		}
	}
	if got := EWSAdvice([]Resolved{ews[1]}[:1], day("2027-05-01")); len(got) != 1 || !strings.Contains(got[0].Detail, `"EWS.AccessAsUser.All" (microsoft_graph delegated`) {
		t.Fatalf("Graph's delegated EWS scope is EWS too: got %v", got)
	}
	if got := EWSAdvice([]Resolved{{API: "microsoft_graph", AppID: MicrosoftGraphAppID, Application: ews[1].Application}}, day("2027-05-01")); len(got) != 0 {
		t.Fatalf("Graph mail permissions need no EWS message, got %v", got)
	}
}

func TestCombineMergesByAPIWithoutDuplicates(t *testing.T) {
	preset, _ := LookupPreset(PresetEWS)
	got := Combine(preset.Requests, []Request{
		{API: MicrosoftGraphAppID, Application: []string{"User.Read.All", "Mail.Read"}}, // the same API by ID
		{API: "exchange_online", Delegated: []string{"EWS.AccessAsUser.All"}},
		{API: "11111111-2222-3333-4444-555555555555", Application: []string{"x"}},
	})
	want := []Request{
		{API: "microsoft_graph", Application: []string{"Mail.Read", "User.Read.All"}},
		{API: "exchange_online", Application: []string{"full_access_as_app"}, Delegated: []string{"EWS.AccessAsUser.All"}},
		{API: "11111111-2222-3333-4444-555555555555", Application: []string{"x"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].API != want[i].API || !slices.Equal(got[i].Application, want[i].Application) || !slices.Equal(got[i].Delegated, want[i].Delegated) {
			t.Errorf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if again, _ := LookupPreset(PresetEWS); len(again.Requests[0].Application) != 1 {
		t.Fatalf("Combine changed the preset itself: %+v", again.Requests)
	}
}

func TestBeyondPresetNamesExtrasOnly(t *testing.T) {
	preset, _ := LookupPreset(PresetGraph)
	got := BeyondPreset(preset.Requests, []Request{
		{API: "microsoft_graph", Application: []string{"Mail.ReadWrite", "Directory.ReadWrite.All"}, Delegated: []string{"User.Read"}},
	})
	want := []string{"microsoft_graph application Directory.ReadWrite.All", "microsoft_graph delegated User.Read"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestPresetsKnowTheirNeeds(t *testing.T) {
	ie, _ := LookupPreset(PresetGraphImportExport)
	if !ie.GlobalOnly || !slices.Contains(ie.Requests[0].Application, "MailboxItem.ImportExport.All") || !slices.Contains(ie.Requests[0].Application, "MailboxFolder.ReadWrite.All") {
		t.Fatalf("graph_import_export: %+v", ie)
	}
	ps, _ := LookupPreset(PresetExchangePowerShell)
	if !slices.Equal(ps.DirectoryRoles, []string{RoleExchangeAdministrator}) {
		t.Fatalf("exchange_powershell must assign the Exchange Administrator role, got %v", ps.DirectoryRoles)
	}
	if p := PresetProblem("graph_import"); !strings.Contains(p, `"graph_import_export"`) {
		t.Fatalf("a near miss should suggest the preset, got %q", p)
	}
	if PresetProblem(PresetCustom) != "" {
		t.Fatal("custom is a preset")
	}
}

// TestGuideShowsThePresets: the permissions guide's table is the presets as they are.
func TestGuideShowsThePresets(t *testing.T) {
	b, err := os.ReadFile("../../templates/guides/permissions.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), PresetTable()) {
		t.Fatalf("templates/guides/permissions.md.tmpl does not hold the presets table; paste this:\n%s", PresetTable())
	}
}
