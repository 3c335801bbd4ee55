// Package invoke implements `faas invoke`.
package invoke

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faaskit/faas/internal/cli/cmdutil"
	"github.com/faaskit/faas/internal/cli/dev"
	"github.com/faaskit/faas/providers/local"
	"github.com/spf13/cobra"
)

// Options are the inputs of `faas invoke`.
type Options struct {
	IO          *cmdutil.IOStreams
	Function    string
	Topic       string
	URL         string
	Dir         string
	Data        string
	DataFile    string
	Attrs       []string
	Key         string
	Size        int64
	ContentType string
	Deleted     bool
	HTTPClient  *http.Client
}

// NewCmdInvoke returns the invoke command. runF replaces invokeRun in tests.
func NewCmdInvoke(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "invoke [function]",
		Short: "Send a message, blob event or schedule tick to a running 'faas dev' app",
		Long: `Deliver one event to a function of an app that 'faas dev' is running, and
report what the handler returned. What is sent depends on the function's
kind: a message (--data/--data-file, --attr), a blob event (--key, --size,
--content-type, --deleted) or a schedule tick (no flags).

With --topic instead of a function, the message is published to the topic:
it is queued durably and delivered to every subscriber, with retries.

The app is found through <dir>/.faas/dev/state.json (--dir, default ".")
or given with --url.`,
		Example: `  faas invoke stats --data '{"id":"e1","type":"todo.created","user":"alice","todo_id":"x"}'
  faas invoke --topic events --data-file event.json --attr type=todo.created
  faas invoke attachment-meta --key alice/0123/receipt.pdf --size 1234 --content-type application/pdf
  faas invoke purge --dir ./examples/todo`,
		Args: cmdutil.MaxArgs(1, "the function name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Function = args[0]
			}
			if (opts.Function == "") == (opts.Topic == "") {
				return cmdutil.Usagef("name a function, or a topic with --topic (not both)")
			}
			if opts.Data != "" && opts.DataFile != "" {
				return cmdutil.Usagef("use --data or --data-file, not both")
			}
			for _, a := range opts.Attrs {
				if k, _, ok := strings.Cut(a, "="); !ok || k == "" {
					return cmdutil.Usagef("--attr %q: want key=value", a)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return invokeRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Topic, "topic", "", "publish to this topic instead of invoking one function")
	fl.StringVar(&opts.URL, "url", "", "base URL of the running app (default: from <dir>/.faas/dev/state.json)")
	fl.StringVar(&opts.Dir, "dir", ".", "app directory, to find the running app")
	fl.StringVarP(&opts.Data, "data", "d", "", "message payload")
	fl.StringVar(&opts.DataFile, "data-file", "", "read the message payload from a file (- for stdin)")
	fl.StringArrayVarP(&opts.Attrs, "attr", "a", nil, "message attribute key=value (repeatable)")
	fl.StringVar(&opts.Key, "key", "", "blob event: object key")
	fl.Int64Var(&opts.Size, "size", 0, "blob event: object size in bytes")
	fl.StringVar(&opts.ContentType, "content-type", "", "blob event: content type")
	fl.BoolVar(&opts.Deleted, "deleted", false, "blob event: the object was deleted (default: created)")
	cmd.ValidArgsFunction = completeNames(opts, false)
	cmd.RegisterFlagCompletionFunc("topic", completeNames(opts, true))
	return cmd
}

func invokeRun(ctx context.Context, opts *Options) error {
	base, err := baseURL(opts)
	if err != nil {
		return err
	}
	req := local.InvokeRequest{Key: opts.Key, Size: opts.Size, ContentType: opts.ContentType}
	if opts.Deleted {
		req.Kind = "deleted"
	}
	data := []byte(opts.Data)
	if opts.DataFile != "" {
		if opts.DataFile == "-" {
			data, err = io.ReadAll(opts.IO.In)
		} else {
			data, err = os.ReadFile(opts.DataFile)
		}
		if err != nil {
			return cmdutil.Usagef("--data-file: %v", err)
		}
	}
	if utf8.Valid(data) {
		req.Data = string(data)
	} else {
		req.DataBase64 = base64.StdEncoding.EncodeToString(data)
	}
	if len(opts.Attrs) > 0 {
		req.Attributes = map[string]string{}
		for _, a := range opts.Attrs {
			k, v, _ := strings.Cut(a, "=")
			req.Attributes[k] = v
		}
	}
	path := "/_faas/invoke/" + opts.Function
	if opts.Topic != "" {
		path = "/_faas/publish/" + opts.Topic
	}
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hreq.Header.Set("Content-Type", "application/json")
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return fmt.Errorf("is 'faas dev' running at %s? %w", base, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var res local.InvokeResult
	var apiErr struct {
		Error struct{ Message string } `json:"error"`
	}
	if resp.StatusCode/100 != 2 {
		if json.Unmarshal(raw, &apiErr) == nil && apiErr.Error.Message != "" {
			return fmt.Errorf("%s", apiErr.Error.Message)
		}
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(raw))
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("unexpected answer from %s: %s", base, raw)
	}
	if !res.OK {
		return fmt.Errorf("the handler failed: %s", res.Error)
	}
	if opts.Topic != "" {
		fmt.Fprintf(opts.IO.Out, "published to %s (%d subscriber(s))\n", opts.Topic, res.Subscribers)
	} else {
		fmt.Fprintf(opts.IO.Out, "%s: ok\n", opts.Function)
	}
	return nil
}

func baseURL(opts *Options) (string, error) {
	if opts.URL != "" {
		return strings.TrimSuffix(opts.URL, "/"), nil
	}
	p := dev.StatePath(filepath.Join(opts.Dir, ".faas", "dev"))
	b, err := os.ReadFile(p)
	if err != nil {
		return "", cmdutil.Usagef("no running 'faas dev' found (%v); start one, or pass --url or --dir", err)
	}
	var st dev.State
	if err := json.Unmarshal(b, &st); err != nil || st.URL == "" {
		return "", fmt.Errorf("%s is damaged; restart 'faas dev'", p)
	}
	return st.URL, nil
}
