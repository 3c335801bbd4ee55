package azurefunc

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// functionNameRE is the Functions host's rule for function (folder) names
// (FunctionMetadataManager: letters, digits, '_' and '-', starting with a
// letter, at most 128 characters).
var functionNameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_\-]{0,127}$`)

// CheckFunctionName reports whether name is a valid Azure function name.
// sdk function names (lower-case letters, digits and '-') always are; the
// check guards the mapping.
func CheckFunctionName(name string) error {
	if !functionNameRE.MatchString(name) {
		return fmt.Errorf("azurefunc: function %q: Azure function names are 1-128 letters, digits, '_' and '-', starting with a letter", name)
	}
	return nil
}

// routeSegmentRE is what an HTTP function's path segment may contain to be
// used literally in an ASP.NET route template (no braces, no '?', '*').
var routeSegmentRE = regexp.MustCompile(`^[A-Za-z0-9._~!$&'()+,;=:@%-]+$`)

// Route returns the httpTrigger route template for an HTTP function
// serving path (without the route prefix): "/" becomes "{*path}" and
// "/admin" becomes "admin/{*path}", so the function receives the path
// itself and everything below it. Literal segments take precedence over
// catch-alls in ASP.NET routing, which gives the same longest-prefix
// choice that Handler makes for forwarded requests.
func Route(path string) (string, error) {
	p := strings.Trim(path, "/")
	if p == "" {
		return "{*path}", nil
	}
	for _, seg := range strings.Split(p, "/") {
		if !routeSegmentRE.MatchString(seg) {
			return "", fmt.Errorf("azurefunc: HTTP path %q: segment %q cannot be used in an Azure route template (use letters, digits and -._~)", path, seg)
		}
	}
	return p + "/{*path}", nil
}

// TriggerKeyLen is the length of a trigger key: 32 lower-case hex digits,
// 128 random bits.
const TriggerKeyLen = 32

// NewTriggerKey returns a new random trigger key (see TriggerFunctionName).
func NewTriggerKey() string {
	var b [TriggerKeyLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CheckTriggerKey reports whether key is a well-formed trigger key.
func CheckTriggerKey(key string) error {
	if len(key) != TriggerKeyLen || strings.Trim(key, "0123456789abcdef") != "" {
		return fmt.Errorf("azurefunc: the trigger key must be %d lower-case hex digits; rebuild the app with faas build --provider=azure", TriggerKeyLen)
	}
	return nil
}

// TriggerFunctionName returns the Azure function (folder) name of the
// message, blob or schedule function name: name + "_" + key. The host
// delivers a non-HTTP trigger by POSTing to /<Azure function name>, and
// with route prefix "" it forwards a public request to the handler at the
// request's own path, so a path that only the app's builder knows is what
// keeps public requests away from triggers (README, "Triggers are not
// public"). sdk names never contain '_', so the split is unambiguous.
func TriggerFunctionName(name, key string) string { return name + "_" + key }

// SplitTriggerFunctionName undoes TriggerFunctionName. ok is false when
// folder is not a function name with a well-formed trigger key.
func SplitTriggerFunctionName(folder string) (name, key string, ok bool) {
	i := strings.LastIndexByte(folder, '_')
	if i <= 0 {
		return "", "", false
	}
	name, key = folder[:i], folder[i+1:]
	if CheckTriggerKey(key) != nil {
		return "", "", false
	}
	return name, key, true
}
