package tenant

import (
	"reflect"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

const (
	graphAppID      = "00000003-0000-0000-c000-000000000000"
	userReadAllRole = "df021288-bdef-4463-88db-98f22de89214"
	userReadScope   = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
)

func TestResourceAccessRoundTrip(t *testing.T) {
	in := []ResourceAccess{{ResourceAppID: graphAppID, Roles: []string{userReadAllRole}, Scopes: []string{userReadScope}}}
	rra, err := fromResourceAccess(in)
	if err != nil {
		t.Fatal(err)
	}
	app := models.NewApplication()
	app.SetId(ptr("obj"))
	app.SetAppId(ptr("app"))
	app.SetRequiredResourceAccess(rra)
	end := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	pw := models.NewPasswordCredential()
	pw.SetEndDateTime(&end)
	pw.SetHint(ptr("abc"))
	app.SetPasswordCredentials([]models.PasswordCredentialable{pw})

	got := toApplication(app)
	want := &Application{ObjectID: "obj", AppID: "app", RequiredResourceAccess: in, Passwords: []Password{{Hint: "abc", End: end}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}

	if _, err := fromResourceAccess([]ResourceAccess{{ResourceAppID: graphAppID, Roles: []string{"User.Read.All"}}}); err == nil {
		t.Fatal("a permission name instead of an id must be refused before any request")
	}
	if empty, _ := fromResourceAccess([]ResourceAccess{}); empty == nil || len(empty) != 0 {
		t.Fatal("an empty list must stay an empty (non-nil) list, so PATCH clears the permissions")
	}
}

func TestEqEscapesQuotes(t *testing.T) {
	if got := *eq("displayName", "O'Brien"); got != "displayName eq 'O''Brien'" {
		t.Fatalf("got %s", got)
	}
}
