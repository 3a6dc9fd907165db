package emulator

import (
	"slices"
	"strings"
	"time"
)

// Federated sign-in (workload identity federation): a client assertion issued not by the
// client itself but by an identity provider the application trusts through a federated
// identity credential, e.g. a GitHub Actions or Azure Pipelines token. The client sends it as
// client_assertion in a client-credentials request, and Entra issues the same app-only token
// a certificate earns (appidacr "2").

// isFederatedAssertion tells a federated assertion from a certificate one, as Entra does by
// its iss: a certificate assertion is issued by the client (iss is the client id). One whose
// header names a certificate of the application is a certificate assertion too, so a wrong
// iss there is reported as the certificate's error (AADSTS700021).
func isFederatedAssertion(app *application, jwt *parsedJWT, now time.Time) bool {
	if strings.EqualFold(jwt.str("iss"), app.appID) {
		return false
	}
	_, _, aerr := assertionKey(app, jwt, now)
	return aerr != nil
}

// checkFederatedAssertion validates a federated assertion against the application's
// credentials in the order Entra reports problems: an issuer it trusts, that issuer's
// signature, the validity window, then the subject and the audience, each matched exactly
// (no case folding, no trailing-slash tolerance). The caller holds the store lock.
func (e *Emulator) checkFederatedAssertion(app *application, jwt *parsedJWT, now time.Time) *aadError {
	iss := jwt.str("iss")
	trusted := app.federatedWhere(now, func(fc *federatedCredential) bool { return fc.Issuer == iss })
	name, hosted := e.hostedIssuer(iss)
	if len(trusted) == 0 || !hosted {
		// Entra fetches the keys of trusted issuers only. The emulator can reach no issuer
		// but its own, and tokens Entra issued itself are never accepted as federated
		// assertions (workload-identity-federation.md): both fail as an unknown issuer.
		return errFederatedIssuer(iss)
	}
	if aerr := e.checkIssuerSignature(name, jwt); aerr != nil {
		return aerr
	}
	if aerr := assertionTimeError(jwt, now); aerr != nil {
		return aerr
	}
	sub := jwt.str("sub")
	trusted = slices.DeleteFunc(trusted, func(fc *federatedCredential) bool { return fc.Subject != sub })
	if len(trusted) == 0 {
		return errFederatedSubject(sub)
	}
	aud := audienceClaim(jwt)
	for _, fc := range trusted {
		for _, want := range fc.Audiences {
			if slices.Contains(aud, want) {
				return nil
			}
		}
	}
	return errFederatedAudience(aud)
}

// federatedWhere returns the application's credentials a sign-in at now sees that keep
// holds for. The caller holds the store lock.
func (a *application) federatedWhere(now time.Time, keep func(*federatedCredential) bool) []*federatedCredential {
	var out []*federatedCredential
	for _, fc := range a.federated {
		if visible(fc.visibleAt, now) && keep(fc) {
			out = append(out, fc)
		}
	}
	return out
}

// checkIssuerSignature verifies an assertion with the key the named issuer publishes.
func (e *Emulator) checkIssuerSignature(name string, jwt *parsedJWT) *aadError {
	k := e.oidc.key(name)
	kid, _ := jwt.header["kid"].(string)
	if kid != k.kid {
		return errFederatedKeyNotFound(kid, e.issuerURL(name))
	}
	if jwt.verify(&k.key.PublicKey) != nil {
		return errFederatedSignature(kid)
	}
	return nil
}

// audienceClaim reads aud, which JWT allows as one string or an array of them.
func audienceClaim(jwt *parsedJWT) []string {
	if s, ok := jwt.claims["aud"].(string); ok {
		return []string{s}
	}
	return jwt.strs("aud")
}
