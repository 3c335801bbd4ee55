package gcpdeploy

// fake-gcs-server has no bucket IAM: bucketIAM serves the JSON API's
// GET and PUT /storage/v1/b/{bucket}/iam from a map, in front of it, for
// buckets that exist there, and checks the members like fakePolicies. Nor
// does it serve the project's service agent
// (GET /storage/v1/projects/{project}/serviceAccount, storage-api.json's
// ServiceAccount): bucketIAM answers it for the test project, with the
// address of the documented form service-PROJECT_NUMBER@gs-project-accounts….

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"cloud.google.com/go/iam/apiv1/iampb"
	"github.com/fsouza/fake-gcs-server/fakestorage"
)

var (
	bucketIAMPath      = regexp.MustCompile(`^/storage/v1/b/([^/]+)/iam$`)
	serviceAccountPath = regexp.MustCompile(`^/storage/v1/projects/([^/]+)/serviceAccount$`)
	serviceAgentRE     = regexp.MustCompile(`^service-` + testProjectNumber + `@gcp-sa-[a-z]+\.iam\.gserviceaccount\.com$`)
)

// serviceAgent reports whether email is one of the test project's
// Google-managed service agents, which exist without being created.
func serviceAgent(email string) bool { return serviceAgentRE.MatchString(email) }

type jsonPolicy struct {
	Kind     string        `json:"kind,omitempty"`
	Bindings []jsonBinding `json:"bindings"`
	Etag     string        `json:"etag,omitempty"`
}

type jsonBinding struct {
	Role    string   `json:"role"`
	Members []string `json:"members"`
}

type bucketIAM struct {
	base     http.RoundTripper
	gcs      *fakestorage.Server
	saExists func(string) bool
	mu       sync.Mutex
	policies map[string]jsonPolicy
	etag     int
}

func (b *bucketIAM) policy(bucket string) jsonPolicy {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.policies[bucket]
}

func reply(r *http.Request, code int, v any) *http.Response {
	body, _ := json.Marshal(v)
	return &http.Response{StatusCode: code, Status: strconv.Itoa(code) + " " + http.StatusText(code), Request: r,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body))}
}

func (b *bucketIAM) RoundTrip(r *http.Request) (*http.Response, error) {
	if m := serviceAccountPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
		if m[1] != testProject {
			return reply(r, http.StatusNotFound, map[string]any{"error": map[string]any{"code": 404, "message": "project " + m[1] + " not found"}}), nil
		}
		return reply(r, http.StatusOK, map[string]string{"kind": "storage#serviceAccount", "email_address": "service-" + testProjectNumber + "@gs-project-accounts.iam.gserviceaccount.com"}), nil
	}
	m := bucketIAMPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return b.base.RoundTrip(r)
	}
	bucket := m[1]
	if _, err := b.gcs.Client().Bucket(bucket).Attrs(r.Context()); err != nil {
		return reply(r, http.StatusNotFound, map[string]any{"error": map[string]any{"code": 404, "message": "bucket " + bucket + " not found"}}), nil
	}
	switch r.Method {
	case http.MethodGet:
		p := b.policy(bucket)
		p.Kind = "storage#policy"
		return reply(r, http.StatusOK, p), nil
	case http.MethodPut:
		var p jsonPolicy
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			return reply(r, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": err.Error()}}), nil
		}
		ip := &iampb.Policy{}
		for _, bd := range p.Bindings {
			ip.Bindings = append(ip.Bindings, &iampb.Binding{Role: bd.Role, Members: bd.Members})
		}
		if err := checkBindings(ip, b.saExists); err != nil {
			return reply(r, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": err.Error()}}), nil
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if cur, ok := b.policies[bucket]; ok && p.Etag != "" && p.Etag != cur.Etag {
			return reply(r, http.StatusPreconditionFailed, map[string]any{"error": map[string]any{"code": 412, "message": "etag mismatch"}}), nil
		}
		b.etag++
		p.Etag = "CA" + strconv.Itoa(b.etag)
		b.policies[bucket] = p
		return reply(r, http.StatusOK, p), nil
	}
	return reply(r, http.StatusMethodNotAllowed, map[string]any{"error": map[string]any{"code": 405, "message": strings.ToLower(r.Method)}}), nil
}
