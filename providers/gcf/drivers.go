package gcf

// The gocloud.dev drivers for Google Cloud, so that the default binder can
// open FAAS_BUCKET_* = gs://..., FAAS_COLLECTION_* = firestore://... and
// FAAS_TOPIC_* = gcppubsub://... URLs. Only this cloud's drivers are linked.
import (
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/docstore/gcpfirestore"
	_ "gocloud.dev/pubsub/gcppubsub"
)
