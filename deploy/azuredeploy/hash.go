package azuredeploy

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// hashStrings is the hex SHA-256 of the parts, NUL-separated.
func hashStrings(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

// azruntimePoll sets the poll interval of long-running operations.
type azruntimePoll struct{ every time.Duration }

func (p azruntimePoll) opts() *runtime.PollUntilDoneOptions {
	return &runtime.PollUntilDoneOptions{Frequency: p.every}
}

// str dereferences an SDK string pointer; nil is "".
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
