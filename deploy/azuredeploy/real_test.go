package azuredeploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/faaskit/faas/deploy"
)

// TestRealSubscription deploys the conformance app to a real subscription,
// checks that its URL answers, redeploys (a no-op), and destroys the stage
// with its data. It runs only with FAAS_E2E_AZURE=1, AZURE_SUBSCRIPTION_ID
// and AZURE_LOCATION set, and credentials for azidentity's default chain:
//
//	FAAS_E2E_AZURE=1 AZURE_SUBSCRIPTION_ID=… AZURE_LOCATION=westeurope go test ./deploy/azuredeploy -run TestRealSubscription -v -timeout 45m
func TestRealSubscription(t *testing.T) {
	if os.Getenv("FAAS_E2E_AZURE") != "1" || os.Getenv("AZURE_SUBSCRIPTION_ID") == "" || os.Getenv("AZURE_LOCATION") == "" {
		t.Skip("set FAAS_E2E_AZURE=1, AZURE_SUBSCRIPTION_ID and AZURE_LOCATION to deploy to a real subscription")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Minute)
	defer cancel()
	out := t.TempDir()
	res, err := Build(ctx, "../../sdk/providertest/capp", out, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b [3]byte
	rand.Read(b[:])
	p := Provider{}
	tg := &deploy.Target{Stage: "e2e" + hex.EncodeToString(b[:]), Manifest: res.Manifest, Artifact: out, Settings: deploy.Settings{"location": os.Getenv("AZURE_LOCATION")}}
	defer func() {
		if _, err := p.Destroy(context.WithoutCancel(ctx), tg, &deploy.DestroyOptions{DeleteData: true}); err != nil {
			t.Errorf("destroy: %v", err)
		}
	}()
	pl, err := p.Plan(ctx, tg)
	if err != nil {
		t.Fatal(err)
	}
	o, err := p.Apply(ctx, tg, pl)
	if err != nil {
		t.Fatal(err)
	}
	var resp *http.Response
	for range 30 { // a new app takes a while to serve
		if resp, err = http.Get(o.URL + "/echo/e2e"); err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		time.Sleep(10 * time.Second)
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s/echo/e2e: %v %v", o.URL, resp, err)
	}
	if pl, err = p.Plan(ctx, tg); err != nil || !pl.Empty() {
		t.Errorf("redeploy plan: %v %v, want empty", pl.Changes, err)
	}
}
