package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims are the parts of an access token the provider reports on: which
// tenant and app it is for, its audience, and the permissions it carries.
type Claims struct {
	TenantID string
	AppID    string // appid (v1 tokens) or azp (v2 tokens)
	ObjectID string // oid: the calling service principal or user
	Audience string
	Roles    []string // application permissions
	Scopes   []string // delegated permissions (scp, split on spaces)
	// DirectoryRoles are the template IDs of a signed-in person's directory roles (wids).
	DirectoryRoles []string
	// UserPrincipalName is the signed-in person's (upn), "" for an application.
	UserPrincipalName string
	IDType            string // idtyp: "app" or "user"
	ExpiresAt         time.Time
}

// Delegated reports whether the token speaks for a person signed in to a client, rather
// than for an application on its own.
func (c Claims) Delegated() bool { return c.IDType == "user" || len(c.Scopes) > 0 }

// ParseClaims decodes the payload of a JWT access token WITHOUT verifying
// its signature. Use it only to describe a token this process just obtained
// from Entra, never to make a trust decision. Errors never include the token.
func ParseClaims(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("auth: access token is not a JWT (want three dot-separated parts)")
	}
	// Tokens use unpadded base64url; tolerate padding from other issuers.
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, errors.New("auth: access token payload is not base64url")
	}
	var raw struct {
		TID   string          `json:"tid"`
		AppID string          `json:"appid"`
		AZP   string          `json:"azp"`
		OID   string          `json:"oid"`
		Aud   json.RawMessage `json:"aud"`
		Roles []string        `json:"roles"`
		SCP   string          `json:"scp"`
		WIDs  []string        `json:"wids"`
		UPN   string          `json:"upn"`
		IDTyp string          `json:"idtyp"`
		Exp   json.Number     `json:"exp"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, fmt.Errorf("auth: access token payload is not JSON: %w", err)
	}
	c := Claims{TenantID: raw.TID, AppID: raw.AppID, ObjectID: raw.OID, Roles: raw.Roles, Scopes: strings.Fields(raw.SCP),
		DirectoryRoles: raw.WIDs, UserPrincipalName: raw.UPN, IDType: raw.IDTyp}
	if c.AppID == "" {
		c.AppID = raw.AZP
	}
	c.Audience = audience(raw.Aud)
	if raw.Exp != "" {
		f, err := raw.Exp.Float64()
		if err != nil {
			return Claims{}, errors.New("auth: access token exp claim is not a number")
		}
		c.ExpiresAt = time.Unix(int64(f), 0).UTC()
	}
	return c, nil
}

// audience reads aud, which RFC 7519 allows to be a string or an array.
func audience(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}
