package gcpdeploy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/faaskit/faas/sdk"
)

// Label keys on every resource a deployment owns, and the source-hash
// label of a function (the API reports no hash of the source).
const (
	LabelApp    = "faas-app"
	LabelStage  = "faas-stage"
	LabelSource = "faas-source"
)

// Database is the Firestore database the collections live in. The
// (default) database is the one with the free tier and needs no creation
// call (and no deletion wait of several minutes before its name can be
// reused); stages are kept apart by the <app>-<stage>- prefix of their
// collection names instead.
const Database = "(default)"

// names derives every cloud name of one app+stage in one project and
// region: everything is <app>-<stage>-…; bucket names, which are global,
// end in a short hash of the project.
type names struct {
	app, stage, project, region string
}

func lower(s string) string { return strings.ToLower(s) }

func (n names) prefix() string { return lower(n.app + "-" + n.stage) }

// suffix is 8 hex digits of the project, for global names.
func (n names) suffix() string {
	h := sha256.Sum256([]byte(n.project))
	return hex.EncodeToString(h[:4])
}

func (n names) location() string { return "projects/" + n.project + "/locations/" + n.region }
func (n names) functionID(fn string) string {
	return n.prefix() + "-" + lower(fn)
}
func (n names) function(fn string) string {
	return n.location() + "/functions/" + n.functionID(fn)
}
func (n names) bucket(r string) string     { return n.prefix() + "-" + lower(r) + "-" + n.suffix() }
func (n names) topicID(r string) string    { return n.prefix() + "-" + r }
func (n names) topic(r string) string      { return "projects/" + n.project + "/topics/" + n.topicID(r) }
func (n names) collection(r string) string { return n.prefix() + "-" + r }

// runtimeSA and invokerSA are the account IDs of the functions' runtime
// service account and of the one that invokes the non-HTTP functions
// (Eventarc triggers, Scheduler jobs).
func (n names) runtimeSA() string { return n.prefix() + "-fn" }
func (n names) invokerSA() string { return n.prefix() + "-inv" }
func (n names) saEmail(id string) string {
	return id + "@" + n.project + ".iam.gserviceaccount.com"
}
func (n names) saName(id string) string {
	return "projects/" + n.project + "/serviceAccounts/" + n.saEmail(id)
}

// service is the Cloud Run service behind a gen2 function.
func (n names) service(fn string) string {
	return n.location() + "/services/" + n.functionID(fn)
}
func (n names) job(fn string) string { return n.location() + "/jobs/" + n.functionID(fn) }

// labels are the labels of every owned resource.
func (n names) labels() map[string]string {
	return map[string]string{LabelApp: lower(n.app), LabelStage: lower(n.stage)}
}

// owns reports whether labels mark a resource of this app+stage.
func (n names) owns(labels map[string]string) bool {
	return labels[LabelApp] == lower(n.app) && labels[LabelStage] == lower(n.stage)
}

// binding is the URL a resource's FAAS_* variable holds, as providers/gcf
// opens it.
func (n names) binding(r sdk.ResourceManifest) string {
	if r.URL != "" {
		return r.URL
	}
	switch r.Kind {
	case sdk.KindBucket:
		return "gs://" + n.bucket(r.Name)
	case sdk.KindTopic:
		return "gcppubsub://" + n.topic(r.Name)
	case sdk.KindCollection:
		u := fmt.Sprintf("firestore://projects/%s/databases/%s/documents/%s", n.project, Database, n.collection(r.Name))
		if r.KeyField != "" {
			u += "?name_field=" + r.KeyField
		}
		return u
	}
	return ""
}
