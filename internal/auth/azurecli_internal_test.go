package auth

import (
	"testing"
	"time"
)

// TestParseCLIToken: both expiry fields real az versions print: expires_on (Unix seconds,
// preferred) and expiresOn (a local time without zone, all older versions have).
func TestParseCLIToken(t *testing.T) {
	local := time.Date(2026, 12, 1, 18, 30, 5, 0, time.Local)
	for _, tc := range []struct {
		name string
		json string
		want time.Time
	}{
		{"expires_on as a number", `{"accessToken":"t","expiresOn":"2000-01-01 00:00:00.000000","expires_on":1796150000}`, time.Unix(1796150000, 0)},
		{"expires_on as a string", `{"accessToken":"t","expires_on":"1796150000"}`, time.Unix(1796150000, 0)},
		{"expiresOn only, with microseconds", `{"accessToken":"t","expiresOn":"2026-12-01 18:30:05.000000"}`, local},
		{"expiresOn only, without", `{"accessToken":"t","expiresOn":"2026-12-01 18:30:05"}`, local},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := parseCLIToken([]byte(tc.json))
			if err != nil || !tok.ExpiresOn.Equal(tc.want) || tok.Value != "t" {
				t.Fatalf("got %v %v, want %v", tok.ExpiresOn, err, tc.want)
			}
		})
	}
	for _, bad := range []string{`not json`, `{"expiresOn":"2026-12-01 18:30:05"}`, `{"accessToken":"t","expiresOn":"tomorrow"}`} {
		if _, err := parseCLIToken([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
