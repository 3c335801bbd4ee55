package dev

import (
	"fmt"
	"strings"

	"github.com/faaskit/faas/deploy"
	"github.com/faaskit/faas/deploy/appbuild"
)

// devWrap binds the provider build's resources to faas dev's stores and
// posts its events back to the dev server (see devbind.Wrap).
var devWrap = &appbuild.Entry{Import: "github.com/faaskit/faas/providers/local/devbind", Func: "Wrap"}

// Emulated lists the accepted --emulate values: the registered providers
// that implement deploy.Emulator.
func Emulated() []string {
	return deploy.Names(func(p deploy.Provider) bool { _, ok := p.(deploy.Emulator); return ok })
}

// emulatorFor returns the registered provider name as a deploy.Emulator.
func emulatorFor(name string) (deploy.Emulator, error) {
	p, err := deploy.Lookup(name)
	if err == nil {
		if em, ok := p.(deploy.Emulator); ok {
			return em, nil
		}
	}
	return nil, fmt.Errorf("--emulate %q: want one of %s", name, strings.Join(Emulated(), ", "))
}
