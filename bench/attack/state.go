package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"time"
)

// snapshot is what a set of users can see, plus the attachment files on
// disk: two equal snapshots mean no request in between changed anything.
type snapshot map[string]string

// snapshot records, for each user (name → token): every to-do as the API
// returns it, every attachment's content hash, and (withStats) the stats;
// plus every file in the data directory's blob store.
func (t *target) snapshot(ctx context.Context, users map[string]string, withStats bool) (snapshot, error) {
	s := snapshot{}
	for name, tok := range users {
		items, err := t.listAll(ctx, tok)
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", name, err)
		}
		for _, raw := range items {
			var td todo
			json.Unmarshal(raw, &td)
			s[name+"/todo/"+td.ID] = string(raw)
			for _, a := range td.Attachments {
				var at struct {
					Name string `json:"name"`
				}
				json.Unmarshal(a, &at)
				r := t.do(ctx, req{method: "GET", path: "/api/todos/" + td.ID + "/attachments/" + url.PathEscape(at.Name), token: tok})
				sum := sha256.Sum256(r.body)
				s[name+"/file/"+td.ID+"/"+at.Name] = fmt.Sprintf("%d %s", r.status, hex.EncodeToString(sum[:8]))
			}
		}
		if withStats {
			r := t.do(ctx, req{method: "GET", path: "/api/stats", token: tok})
			s[name+"/stats"] = fmt.Sprintf("%d %s", r.status, r.body)
		}
	}
	if t.dataDir != "" {
		root := filepath.Join(t.dataDir, "blobs")
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err == nil {
				rel, _ := filepath.Rel(root, p)
				s["disk/"+rel] = fmt.Sprint(info.Size())
			}
			return nil
		})
	}
	return s, nil
}

// diff lists the keys that differ between a and b.
func diff(a, b snapshot) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			out = append(out, "removed "+k)
		} else if w != v {
			out = append(out, "changed "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, "added "+k)
		}
	}
	sort.Strings(out)
	return out
}

// settledSnapshot takes snapshots (with stats) until two in a row, 500ms
// apart, are equal, so that asynchronous event handling has caught up; it
// gives up after timeout and returns the last one.
func (t *target) settledSnapshot(ctx context.Context, users map[string]string, timeout time.Duration) (snapshot, error) {
	prev, err := t.snapshot(ctx, users, true)
	if err != nil {
		return nil, err
	}
	for end := time.Now().Add(timeout); time.Now().Before(end); {
		time.Sleep(500 * time.Millisecond)
		cur, err := t.snapshot(ctx, users, true)
		if err != nil {
			return nil, err
		}
		if len(diff(prev, cur)) == 0 {
			return cur, nil
		}
		prev = cur
	}
	return prev, nil
}
