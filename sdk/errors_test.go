package sdk_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/faaskit/faas/sdk"
	"gocloud.dev/docstore"
	_ "gocloud.dev/docstore/memdocstore"
	"gocloud.dev/gcerrors"
)

type revDoc struct {
	ID               string `docstore:"id"`
	N                int    `docstore:"n"`
	DocstoreRevision any
}

// gcError returns a real gocloud.dev error with code c, produced the way
// the portable types produce them (memdocstore here).
func gcError(t *testing.T, c gcerrors.ErrorCode) error {
	t.Helper()
	ctx := context.Background()
	coll, err := docstore.OpenCollection(ctx, "mem://codes/id")
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	if err := coll.Create(ctx, &revDoc{ID: "exists", N: 1}); err != nil {
		t.Fatal(err)
	}
	doc := &revDoc{ID: "exists"}
	if err := coll.Get(ctx, doc); err != nil {
		t.Fatal(err)
	}
	switch c {
	case gcerrors.NotFound:
		err = coll.Get(ctx, map[string]any{"id": "missing"})
	case gcerrors.AlreadyExists:
		err = coll.Create(ctx, map[string]any{"id": "exists"})
	case gcerrors.FailedPrecondition:
		if err := coll.Replace(ctx, &revDoc{ID: "exists", N: 2}); err != nil {
			t.Fatal(err)
		}
		err = coll.Replace(ctx, doc) // doc's revision is now stale
	case gcerrors.InvalidArgument:
		err = coll.Get(ctx, map[string]any{}) // no key
	case gcerrors.Canceled:
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err = coll.Get(cctx, map[string]any{"id": "exists"})
	}
	if got := gcerrors.Code(err); got != c {
		t.Fatalf("made %v (code %v); want code %v", err, got, c)
	}
	return err
}

func TestCodeOf(t *testing.T) {
	cases := []struct {
		gc   gcerrors.ErrorCode
		want sdk.Code
	}{
		{gcerrors.NotFound, sdk.CodeNotFound},
		{gcerrors.AlreadyExists, sdk.CodeConflict},
		{gcerrors.FailedPrecondition, sdk.CodeConflict},
		{gcerrors.InvalidArgument, sdk.CodeInvalidInput},
		{gcerrors.Canceled, sdk.CodeUnavailable},
	}
	for _, c := range cases {
		t.Run(c.gc.String(), func(t *testing.T) {
			err := gcError(t, c.gc)
			if got := sdk.CodeOf(err); got != c.want {
				t.Errorf("CodeOf(%v) = %v; want %v", err, got, c.want)
			}
			if got := sdk.CodeOf(fmt.Errorf("app: op: %w", err)); got != c.want {
				t.Errorf("CodeOf(wrapped %v) = %v; want %v", err, got, c.want)
			}
			if got := sdk.CodeOf(sdk.Wrap(sdk.CodeUnavailable, err)); got != sdk.CodeUnavailable {
				t.Errorf("an explicit code lost to the gocloud one: %v", got)
			}
		})
	}
	for _, c := range []struct {
		name string
		err  error
		want sdk.Code
	}{
		{"nil", nil, sdk.CodeUnknown},
		{"plain", errorString("boom"), sdk.CodeUnknown},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), sdk.CodeUnavailable},
		{"unknown code over a gocloud error", sdk.Wrap(sdk.CodeUnknown, gcError(t, gcerrors.NotFound)), sdk.CodeNotFound},
	} {
		if got := sdk.CodeOf(c.err); got != c.want {
			t.Errorf("%s: CodeOf(%v) = %v; want %v", c.name, c.err, got, c.want)
		}
	}
}
