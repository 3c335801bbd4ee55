// Package initcmd implements `faas init`.
package initcmd

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"text/template"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// FaasModule is the module path of faas itself.
const FaasModule = "github.com/faaskit/faas"

//go:embed template/*.tmpl
var templates embed.FS

// Options are the inputs of `faas init`.
type Options struct {
	IO  *cmdutil.IOStreams
	Dir string
	// Module is the new module's path. Default example.com/<name>.
	Module string
	// Name is the app name. Default: the directory's name, cleaned.
	Name string
	// Replace, if set, is a local faas checkout the new module uses
	// instead of a published version.
	Replace string
	// Version is the faas version to require (default: this binary's).
	Version string
	// NoTidy skips `go mod tidy` in the new module.
	NoTidy bool
}

// NewCmdInit returns the init command. runF replaces initRun in tests.
func NewCmdInit(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "init [dir]",
		Short: "Create a new faas app module",
		Long: `Create a new Go module in dir (default ".", which must be empty or not
exist) holding a faas app: go.mod, app.go with func App() *sdk.App and one
HTTP function, app_test.go running it under the local runtime, a README and
a .gitignore. Then 'go mod tidy' records its dependencies.

The module requires the faas version of this binary. A faas built from a
local checkout (go run ./cmd/faas, go install from the checkout) has no
version: init then points the module at that checkout with a replace
directive, found from the current directory's module, or given with
--replace.`,
		Example: `  faas init hello && cd hello && go test ./... && faas dev .
  faas init --module github.com/me/shop ./shop
  go run ./cmd/faas init --replace "$PWD" /tmp/hello   # from a faas checkout`,
		Args: cmdutil.DirArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = cmdutil.DirOf(args)
			if opts.Name != "" && !validAppName(opts.Name) {
				return cmdutil.Usagef("--name %q: want 1-49 lower-case letters, digits and '-', starting with a letter", opts.Name)
			}
			if opts.Module != "" && !validModulePath(opts.Module) {
				return cmdutil.Usagef("--module %q: want a module path whose first element has a dot, e.g. example.com/hello", opts.Module)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return initRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Module, "module", "", "module path (default example.com/<name>)")
	cmd.Flags().StringVar(&opts.Name, "name", "", "app name (default: the directory's name)")
	cmd.Flags().StringVar(&opts.Replace, "replace", "", "use the faas checkout at this path instead of a published version")
	cmd.Flags().StringVar(&opts.Version, "faas-version", "", "faas version to require (default: this binary's)")
	cmd.Flags().BoolVar(&opts.NoTidy, "no-tidy", false, "do not run 'go mod tidy' in the new module")
	return cmd
}

// data fills the templates.
type data struct {
	Module, Name, Package, Version, Replace string
}

func initRun(ctx context.Context, opts *Options) error {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return cmdutil.Usagef("%s is not empty: faas init creates a new module; pick a new or empty directory", opts.Dir)
	} else if err != nil && !os.IsNotExist(err) {
		return cmdutil.Usagef("%s: %v", opts.Dir, err)
	}
	d := data{Name: opts.Name, Module: opts.Module}
	if d.Name == "" {
		d.Name = appName(filepath.Base(dir))
	}
	if d.Module == "" {
		d.Module = "example.com/" + d.Name
	}
	d.Package = packageName(d.Module)
	d.Version, d.Replace, err = faasSource(ctx, opts)
	if err != nil {
		return err
	}
	if d.Replace != "" {
		if d.Replace, err = filepath.Abs(d.Replace); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(d.Replace, "sdk")); err != nil {
			return cmdutil.Usagef("--replace %s: not a faas checkout (no sdk/ directory)", d.Replace)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]string{"go.mod": "go.mod.tmpl", "app.go": "app.go.tmpl", "app_test.go": "app_test.go.tmpl", "README.md": "README.md.tmpl", ".gitignore": "gitignore.tmpl"}
	for name, tmpl := range files {
		t, err := template.ParseFS(templates, "template/"+tmpl)
		if err != nil {
			return fmt.Errorf("init: template %s: %w", tmpl, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return fmt.Errorf("init: template %s: %w", tmpl, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		fmt.Fprintf(opts.IO.ErrOut, "wrote %s\n", filepath.Join(opts.Dir, name))
	}
	if !opts.NoTidy {
		fmt.Fprintln(opts.IO.ErrOut, "running go mod tidy")
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = opts.IO.ErrOut, opts.IO.ErrOut
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("init: go mod tidy in %s: %w (the files are written; fix the error and run it again)", opts.Dir, err)
		}
	}
	fmt.Fprintf(opts.IO.Out, "created app %q (module %s) in %s\nnext:\n  cd %s\n  go test ./...\n  faas dev .\n", d.Name, d.Module, opts.Dir, opts.Dir)
	return nil
}

// faasSource decides how the new module gets faas: a published version
// (this binary's, or --faas-version), or a local checkout (--replace, or
// the module of the current directory when it is faas itself).
func faasSource(ctx context.Context, opts *Options) (version, replace string, err error) {
	if opts.Replace != "" {
		return "v0.0.0", opts.Replace, nil
	}
	if opts.Version != "" {
		return opts.Version, "", nil
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == FaasModule && released(bi.Main.Version) {
		return bi.Main.Version, "", nil
	}
	if dir := checkoutOf(ctx, "."); dir != "" {
		return "v0.0.0", dir, nil
	}
	return "", "", cmdutil.Usagef("this faas was built from a local checkout and has no version: run faas init from inside that checkout, or pass --replace=<path to the faas checkout> (or --faas-version=<version>)")
}

// pseudoVersion matches the time-and-commit suffix of a Go pseudo-version
// (v0.0.0-20261204153406-abcdef123456), which the go command stamps on a
// binary built from a VCS checkout: such a commit may exist nowhere else.
var pseudoVersion = regexp.MustCompile(`-(0\.)?\d{14}-[0-9a-f]{12}(\+dirty)?$`)

// released reports whether v is a version a module proxy can serve.
func released(v string) bool {
	return strings.HasPrefix(v, "v") && !strings.Contains(v, "+dirty") && !pseudoVersion.MatchString(v)
}

// checkoutOf returns the root of the faas module containing dir, or "".
func checkoutOf(ctx context.Context, dir string) string {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	var m struct{ Path, Dir string }
	if json.Unmarshal(out, &m) != nil || m.Path != FaasModule {
		return ""
	}
	return m.Dir
}

// appName turns a directory name into an app name: lower case, runs of
// other characters as '-', starting with a letter, at most 49 bytes.
func appName(base string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	n := strings.Trim(b.String(), "-")
	if len(n) > 49 {
		n = strings.TrimRight(n[:49], "-")
	}
	if n == "" {
		n = "app"
	}
	return n
}

// packageName is the Go package name for a module path's last element.
func packageName(module string) string {
	last := module[strings.LastIndex(module, "/")+1:]
	var b strings.Builder
	for _, r := range strings.ToLower(last) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "app"
	}
	return b.String()
}

func validAppName(n string) bool { return n == appName(n) && len(n) <= 49 }

func validModulePath(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return strings.Contains(first, ".") && !strings.ContainsAny(p, " \t\\:") && !strings.HasSuffix(p, "/")
}
