package sdk

import (
	"regexp"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	re := regexp.MustCompile(`^[a-z][a-z0-9-]{0,47}[a-z0-9]$|^[a-z]$`) // the documented rule
	for _, name := range []string{
		"", "a", "z", "0", "-", "ab", "a-", "a-b", "a--b", "web", "attachment-meta", "A", "aB", "a_b", "a.b", "é",
		"a" + strings.Repeat("b", 48), "a" + strings.Repeat("b", 49), strings.Repeat("x", 48) + "-",
	} {
		if got, want := validName(name), re.MatchString(name); got != want {
			t.Errorf("validName(%q) = %v; want %v", name, got, want)
		}
	}
}
