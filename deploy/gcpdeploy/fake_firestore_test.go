package gcpdeploy

// A fake of the Firestore admin control plane (composite indexes only) on
// adminpb's generated RegisterFirestoreAdminServer, sharing
// fakeFunctions' long-running operations. Like the real API
// (firestore-api.json) it wants a collection-group parent, at least two
// ordered fields, COLLECTION scope, and refuses a duplicate index.

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cloud.google.com/go/firestore/apiv1/admin/adminpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

var collectionGroupRE = regexp.MustCompile(`^projects/[^/]+/databases/[^/]+/collectionGroups/[^/]+$`)

type fakeFirestoreAdmin struct {
	adminpb.UnimplementedFirestoreAdminServer
	ops     *fakeFunctions
	mu      sync.Mutex
	indexes map[string]*adminpb.Index
	seq     int
}

func (f *fakeFirestoreAdmin) CreateIndex(_ context.Context, r *adminpb.CreateIndexRequest) (*longrunningOp, error) {
	if !collectionGroupRE.MatchString(r.GetParent()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q must be projects/*/databases/*/collectionGroups/*", r.GetParent())
	}
	ix := proto.Clone(r.GetIndex()).(*adminpb.Index)
	if ix.GetQueryScope() != adminpb.Index_COLLECTION && ix.GetQueryScope() != adminpb.Index_COLLECTION_GROUP {
		return nil, status.Errorf(codes.InvalidArgument, "index.query_scope is required")
	}
	if len(ix.GetFields()) < 2 {
		return nil, status.Errorf(codes.InvalidArgument, "a composite index needs at least two fields; this index is not necessary, configure using single field index controls")
	}
	for _, fl := range ix.GetFields() {
		if fl.GetFieldPath() == "" || (fl.GetOrder() == adminpb.Index_IndexField_ORDER_UNSPECIFIED && fl.GetArrayConfig() == adminpb.Index_IndexField_ARRAY_CONFIG_UNSPECIFIED) {
			return nil, status.Errorf(codes.InvalidArgument, "index field %v needs a field_path and an order", fl)
		}
	}
	f.mu.Lock()
	for name, cur := range f.indexes {
		if strings.HasPrefix(name, r.GetParent()+"/indexes/") && indexKey(cur) == indexKey(ix) {
			f.mu.Unlock()
			return nil, status.Errorf(codes.AlreadyExists, "index already exists")
		}
	}
	f.seq++
	ix.Name = r.GetParent() + "/indexes/CICAgI" + strconv.Itoa(f.seq)
	ix.State = adminpb.Index_READY
	f.indexes[ix.Name] = ix
	f.mu.Unlock()
	f.ops.mu.Lock()
	defer f.ops.mu.Unlock()
	return f.ops.operation(ix)
}

func (f *fakeFirestoreAdmin) ListIndexes(_ context.Context, r *adminpb.ListIndexesRequest) (*adminpb.ListIndexesResponse, error) {
	if !collectionGroupRE.MatchString(r.GetParent()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q", r.GetParent())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := &adminpb.ListIndexesResponse{}
	for name, ix := range f.indexes {
		if strings.HasPrefix(name, r.GetParent()+"/indexes/") {
			res.Indexes = append(res.Indexes, proto.Clone(ix).(*adminpb.Index))
		}
	}
	slices.SortFunc(res.Indexes, func(a, b *adminpb.Index) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}

func (f *fakeFirestoreAdmin) DeleteIndex(_ context.Context, r *adminpb.DeleteIndexRequest) (*emptypb.Empty, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.indexes[r.GetName()] == nil {
		return nil, status.Errorf(codes.NotFound, "index %s not found", r.GetName())
	}
	delete(f.indexes, r.GetName())
	return &emptypb.Empty{}, nil
}

// keys lists the indexes of a collection group by their fields.
func (f *fakeFirestoreAdmin) keys(cg string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ks []string
	for name, ix := range f.indexes {
		if strings.HasPrefix(name, cg+"/indexes/") {
			ks = append(ks, indexKey(ix))
		}
	}
	slices.Sort(ks)
	return ks
}
