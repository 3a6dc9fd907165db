package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// newGUID returns a random (version 4) GUID in Entra's lower-case form.
func newGUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// isGUID reports whether s has the 8-4-4-4-12 hex form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// guidBytes returns the 16 bytes of a GUID in Microsoft's layout (first three groups little
// endian), the layout in which Entra embeds object ids into assignment and grant ids.
func guidBytes(s string) []byte {
	h, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(h) != 16 {
		return make([]byte, 16)
	}
	return []byte{h[3], h[2], h[1], h[0], h[5], h[4], h[7], h[6], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]}
}

// newAssignmentID returns an appRoleAssignment id: 43 characters of unpadded base64url, like
// Graph's, which begin with the principal's object id.
func newAssignmentID(principalID string) string {
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err)
	}
	return b64.EncodeToString(append(guidBytes(principalID), r[:]...))
}

// grantID returns the id of an oauth2PermissionGrant. Entra derives it from the client and
// resource (and, for a single user's consent, the user), so it is stable for the pair.
func grantID(clientID, resourceID, principalID string) string {
	b := append(guidBytes(clientID), guidBytes(resourceID)...)
	if principalID != "" {
		b = append(b, guidBytes(principalID)...)
	}
	return b64.EncodeToString(b)
}

// randomToken returns n random bytes as unpadded base64url (opaque ids such as uti).
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b64.EncodeToString(b)
}

// secretAlphabet is the alphabet of Entra client secrets: letters, digits and "~._-", so a
// secret never needs escaping in a form body or a shell variable.
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-"

// newSecret returns a 40-character client secret, the length Entra issues today.
func newSecret() string {
	const n = 40
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	out := make([]byte, n)
	for i, v := range b {
		// The modulo bias is harmless: secrets must be unguessable, not uniform.
		out[i] = secretAlphabet[int(v)%len(secretAlphabet)]
	}
	return string(out)
}

// roleAssignmentID returns the id of a tenant-wide directory role assignment as Graph forms
// it: the role definition's and the principal's GUID bytes, unpadded base64url, then "-1"
// (the list examples of rbacapplication-list-roleassignments.md: "lAPpYvVpN0KRkAEhdxReE…-1"
// begins with Global Administrator's template ID). The same assignment made again has the
// same id.
func roleAssignmentID(roleDefinitionID, principalID string) string {
	return b64.EncodeToString(append(guidBytes(roleDefinitionID), guidBytes(principalID)...)) + "-1"
}
