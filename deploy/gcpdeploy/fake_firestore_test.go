package gcpdeploy

// A fake of the Firestore admin control plane (composite indexes and
// fields' TTL policies) on adminpb's generated
// RegisterFirestoreAdminServer, sharing fakeFunctions' long-running
// operations. Like the real API (firestore-api.json) it wants a
// collection-group parent, at least two ordered fields, COLLECTION scope,
// and refuses a duplicate index; a field name of the pattern
// projects/*/databases/*/collectionGroups/*/fields/*, an update mask of
// the Field's own paths, a TTL offset of whole seconds in
// [0, 2147483647], no TTL on the __default__ group or on `*`, and
// ListFields only with the filters it supports (overridden fields).

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

var (
	collectionGroupRE = regexp.MustCompile(`^projects/[^/]+/databases/[^/]+/collectionGroups/[^/]+$`)
	fieldNameRE       = regexp.MustCompile(`^(projects/[^/]+/databases/[^/]+/collectionGroups/([^/]+))/fields/([^/]+)$`)
	fieldPathRE       = regexp.MustCompile("^([A-Za-z_][A-Za-z_0-9]*(\\.[A-Za-z_][A-Za-z_0-9]*)*|`[^`]+`|\\*)$")
)

type fakeFirestoreAdmin struct {
	adminpb.UnimplementedFirestoreAdminServer
	ops     *fakeFunctions
	mu      sync.Mutex
	indexes map[string]*adminpb.Index
	fields  map[string]*adminpb.Field // the fields with a TTL policy, by name
	seq     int
	// bulkDeleted are the collection groups whose documents were deleted.
	bulkDeleted []string
}

func (f *fakeFirestoreAdmin) UpdateField(_ context.Context, r *adminpb.UpdateFieldRequest) (*longrunningOp, error) {
	in := r.GetField()
	m := fieldNameRE.FindStringSubmatch(in.GetName())
	if m == nil || !fieldPathRE.MatchString(m[3]) {
		return nil, status.Errorf(codes.InvalidArgument, "field.name %q must be projects/*/databases/*/collectionGroups/*/fields/<field path>", in.GetName())
	}
	paths := r.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		paths = []string{"index_config", "ttl_config"}
	}
	f.mu.Lock()
	cur := proto.Clone(f.fields[in.GetName()]).(*adminpb.Field)
	f.mu.Unlock()
	if cur == nil {
		cur = &adminpb.Field{Name: in.GetName()}
	}
	for _, p := range paths {
		switch p {
		case "index_config":
			cur.IndexConfig = in.GetIndexConfig()
		case "ttl_config":
			ttl := in.GetTtlConfig()
			if ttl != nil && (m[2] == "__default__" || m[3] == "*") {
				return nil, status.Errorf(codes.InvalidArgument, "a TTL policy needs a collection group and a field, not %s", in.GetName())
			}
			if o := ttl.GetExpirationOffset(); o != nil && (o.GetSeconds() < 0 || o.GetSeconds() > 2147483647 || o.GetNanos() != 0) {
				return nil, status.Errorf(codes.InvalidArgument, "ttl_config.expiration_offset must be whole seconds in [0, 2147483647]")
			}
			cur.TtlConfig = proto.Clone(ttl).(*adminpb.Field_TtlConfig)
			if cur.TtlConfig != nil {
				cur.TtlConfig.State = adminpb.Field_TtlConfig_ACTIVE // output only: the fake settles at once
			}
		default:
			return nil, status.Errorf(codes.InvalidArgument, "update_mask path %q is not a Field path (index_config, ttl_config)", p)
		}
	}
	f.mu.Lock()
	if cur.TtlConfig == nil && cur.IndexConfig == nil {
		delete(f.fields, cur.Name)
	} else {
		f.fields[cur.Name] = cur
	}
	f.mu.Unlock()
	f.ops.mu.Lock()
	defer f.ops.mu.Unlock()
	return f.ops.operation(cur)
}

func (f *fakeFirestoreAdmin) ListFields(_ context.Context, r *adminpb.ListFieldsRequest) (*adminpb.ListFieldsResponse, error) {
	if !collectionGroupRE.MatchString(r.GetParent()) {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q must be projects/*/databases/*/collectionGroups/*", r.GetParent())
	}
	ttlOnly := strings.Contains(r.GetFilter(), "ttlConfig:*")
	if !ttlOnly && !strings.Contains(r.GetFilter(), "indexConfig.usesAncestorConfig:false") {
		return nil, status.Errorf(codes.InvalidArgument, "ListFields only lists overridden fields: filter %q must include indexConfig.usesAncestorConfig:false or ttlConfig:*", r.GetFilter())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	res := &adminpb.ListFieldsResponse{}
	for name, fl := range f.fields {
		if strings.HasPrefix(name, r.GetParent()+"/fields/") && (!ttlOnly || fl.TtlConfig != nil) {
			res.Fields = append(res.Fields, proto.Clone(fl).(*adminpb.Field))
		}
	}
	slices.SortFunc(res.Fields, func(a, b *adminpb.Field) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}

// ttl reports whether the field has a TTL policy.
func (f *fakeFirestoreAdmin) ttl(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fields[name].GetTtlConfig() != nil
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

var databaseRE = regexp.MustCompile(`^projects/[^/]+/databases/[^/]+$`)

// BulkDeleteDocuments records the collection groups whose documents were
// deleted. Like the real API it wants a database name and refuses a request
// that names neither collections nor namespaces (that would be the whole
// database) and a repeated collection ID.
func (f *fakeFirestoreAdmin) BulkDeleteDocuments(_ context.Context, r *adminpb.BulkDeleteDocumentsRequest) (*longrunningOp, error) {
	if !databaseRE.MatchString(r.GetName()) {
		return nil, status.Errorf(codes.InvalidArgument, "name %q must be projects/{project_id}/databases/{database_id}", r.GetName())
	}
	if len(r.GetCollectionIds()) == 0 && len(r.GetNamespaceIds()) == 0 {
		return nil, status.Errorf(codes.InvalidArgument, "collection_ids and namespace_ids are both empty: use DeleteDatabase")
	}
	ids := slices.Clone(r.GetCollectionIds())
	slices.Sort(ids)
	if len(slices.Compact(ids)) != len(r.GetCollectionIds()) {
		return nil, status.Errorf(codes.InvalidArgument, "collection_ids must be unique: %v", r.GetCollectionIds())
	}
	f.mu.Lock()
	f.bulkDeleted = append(f.bulkDeleted, ids...)
	f.mu.Unlock()
	f.ops.mu.Lock()
	defer f.ops.mu.Unlock()
	return f.ops.operation(&adminpb.BulkDeleteDocumentsResponse{})
}
