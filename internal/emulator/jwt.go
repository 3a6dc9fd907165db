package emulator

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// JWTs are built and checked with the standard library: the emulator needs RS256 signing and
// RS256/PS256 verification only, and a hand-rolled check keeps every rejection reason explicit
// (Entra answers each with its own AADSTS code).

var b64 = base64.RawURLEncoding

// signRS256 returns a compact JWS of claims, signed with key.
func signRS256(key *rsa.PrivateKey, header map[string]any, claims map[string]any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signingInput := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return signingInput + "." + b64.EncodeToString(sig), nil
}

// parsedJWT is a decoded, not yet verified, compact JWS.
type parsedJWT struct {
	header       map[string]any
	claims       map[string]any
	signingInput string
	signature    []byte
}

var errMalformedJWT = errors.New("malformed JWT")

func parseJWT(token string) (*parsedJWT, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errMalformedJWT
	}
	var p parsedJWT
	for i, dst := range []*map[string]any{&p.header, &p.claims} {
		raw, err := decodeSegment(parts[i])
		if err != nil {
			return nil, errMalformedJWT
		}
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.UseNumber()
		if err := dec.Decode(dst); err != nil {
			return nil, errMalformedJWT
		}
	}
	sig, err := decodeSegment(parts[2])
	if err != nil {
		return nil, errMalformedJWT
	}
	p.signature = sig
	p.signingInput = parts[0] + "." + parts[1]
	return &p, nil
}

// decodeSegment accepts unpadded base64url as JWS requires, and padded input as some
// hand-written clients send.
func decodeSegment(s string) ([]byte, error) {
	return b64.DecodeString(strings.TrimRight(s, "="))
}

// verify checks the signature with pub for the header's alg (RS256 or PS256).
func (p *parsedJWT) verify(pub *rsa.PublicKey) error {
	digest := sha256.Sum256([]byte(p.signingInput))
	switch p.alg() {
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], p.signature)
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], p.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	default:
		return errors.New("unsupported alg")
	}
}

func (p *parsedJWT) alg() string         { s, _ := p.header["alg"].(string); return s }
func (p *parsedJWT) str(k string) string { s, _ := p.claims[k].(string); return s }

// strs reads a claim holding an array of strings (roles, wids).
func (p *parsedJWT) strs(k string) []string {
	arr, _ := p.claims[k].([]any)
	out := make([]string, 0, len(arr))
	for _, v := range arr {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// num returns a numeric claim (seconds since the epoch) and whether it was present and numeric.
func (p *parsedJWT) num(k string) (int64, bool) {
	switch v := p.claims[k].(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, true
		}
		if f, err := v.Float64(); err == nil {
			return int64(f), true
		}
	case string: // some clients send numeric strings; Entra accepts them
		n := json.Number(v)
		if i, err := n.Int64(); err == nil {
			return i, true
		}
	}
	return 0, false
}
