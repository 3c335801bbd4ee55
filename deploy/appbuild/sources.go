package appbuild

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Sources lists what the app's build depends on inside its own module:
// the directory, Go files and embedded files of every package of the
// app's module that the app imports (directly or not), plus go.mod,
// go.sum and go.work. faas dev watches them to rebuild on change; a new
// file shows as a change of its directory's listing.
func (p *Package) Sources(ctx context.Context) ([]string, error) {
	tmp, err := os.MkdirTemp("", "faas-sources-")
	if err != nil {
		return nil, fmt.Errorf("appbuild: %w", err)
	}
	defer os.RemoveAll(tmp)
	mf, err := p.modFlags(tmp)
	if err != nil {
		return nil, err
	}
	args := append(append([]string{"list"}, mf...), "-deps", "-json=Dir,Module,GoFiles,CgoFiles,EmbedFiles,IgnoredGoFiles", ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = p.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("appbuild: go list -deps in %s: %w: %s", p.Dir, err, strings.TrimSpace(stderr.String()))
	}
	files := []string{filepath.Join(p.ModuleDir, "go.mod"), filepath.Join(p.ModuleDir, "go.sum")}
	if p.goWork != "" && p.goWork != "off" {
		files = append(files, p.goWork, p.goWork+".sum")
	}
	dec := json.NewDecoder(bufio.NewReader(&stdout))
	for {
		var lp struct {
			Dir                                           string
			Module                                        *struct{ Path string }
			GoFiles, CgoFiles, EmbedFiles, IgnoredGoFiles []string
		}
		if err := dec.Decode(&lp); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("appbuild: go list output: %w", err)
		}
		if lp.Module == nil || lp.Module.Path != p.ModulePath {
			continue
		}
		files = append(files, lp.Dir)
		for _, group := range [][]string{lp.GoFiles, lp.CgoFiles, lp.EmbedFiles, lp.IgnoredGoFiles} {
			for _, f := range group {
				files = append(files, filepath.Join(lp.Dir, f))
				if d := filepath.Dir(filepath.Join(lp.Dir, f)); d != lp.Dir {
					files = append(files, d) // an embedded directory: new files show in its listing
				}
			}
		}
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}
