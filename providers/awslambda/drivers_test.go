package awslambda

import (
	"strings"
	"testing"

	"github.com/faaskit/faas/sdk"
)

// TestCheckDrivers: a test binary is built without faas.aws.select, so
// every driver is linked; without one, a declared resource of its kind is
// an init error, unless the resource names its own URL.
func TestCheckDrivers(t *testing.T) {
	for _, k := range []sdk.ResourceKind{sdk.KindBucket, sdk.KindCollection, sdk.KindTopic} {
		if linkedDrivers[k] == "" {
			t.Errorf("no driver linked for %s without faas.aws.select", k)
		}
	}
	m := &sdk.Manifest{Resources: []sdk.ResourceManifest{
		{Name: "todos", Kind: sdk.KindCollection}, {Name: "files", Kind: sdk.KindBucket}, {Name: "events", Kind: sdk.KindTopic},
	}}
	if err := checkDrivers(m); err != nil {
		t.Fatal(err)
	}
	saved := linkedDrivers[sdk.KindBucket]
	delete(linkedDrivers, sdk.KindBucket)
	defer func() { linkedDrivers[sdk.KindBucket] = saved }()
	if err := checkDrivers(m); err == nil || !strings.Contains(err.Error(), `bucket "files" has no driver`) {
		t.Errorf("checkDrivers without the S3 driver = %v; want an error naming the bucket", err)
	}
	m.Resources[1].URL = "mem://files"
	if err := checkDrivers(m); err != nil {
		t.Errorf("a bucket with its own URL: %v; want no error", err)
	}
}
