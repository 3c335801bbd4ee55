// Package cmdutil holds what every faas command shares: injected I/O
// streams, the Factory, and the typed errors that map to exit codes.
package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// IOStreams are the command's standard streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// System returns the process's streams.
func System() *IOStreams { return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr} }

// IsTerminal reports whether ErrOut, where progress goes, is a terminal.
func (s *IOStreams) IsTerminal() bool {
	f, ok := s.ErrOut.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// ColorEnabled reports whether ErrOut is a terminal and NO_COLOR is unset.
func (s *IOStreams) ColorEnabled() bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := s.ErrOut.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// Factory gives commands their dependencies.
type Factory struct {
	IO      *IOStreams
	Version string
}

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the operation failed
	ExitUsage = 2 // bad flags or arguments
)

// UsageError is a mistake in how the command was called.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ExitUsage
	}
	return ExitError
}

// DirArg accepts at most one argument, the app directory; more is a usage
// error.
var DirArg = MaxArgs(1, "the app directory")

// MaxArgs returns a cobra.PositionalArgs accepting at most n arguments,
// described by what; more is a usage error.
func MaxArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		if n == 0 {
			return Usagef("%s takes no arguments; got %s", cmd.CommandPath(), strings.Join(args, " "))
		}
		return Usagef("want at most %d argument(s), %s; got %d: %s", n, what, len(args), strings.Join(args, " "))
	}
}

// CheckDir returns a usage error unless dir is an existing directory.
func CheckDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return Usagef("%s: no such directory; give the app's package directory", dir)
	}
	if !fi.IsDir() {
		return Usagef("%s is not a directory; give the app's package directory", dir)
	}
	return nil
}

// DirOf returns the app directory argument, or ".".
func DirOf(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "."
}
