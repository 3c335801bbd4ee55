package gcf

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// CloudEvent types the shim understands.
const (
	TypeMessagePublished = "google.cloud.pubsub.topic.v1.messagePublished"
	TypeObjectFinalized  = "google.cloud.storage.object.v1.finalized"
	TypeObjectDeleted    = "google.cloud.storage.object.v1.deleted"
	TypeObjectArchived   = "google.cloud.storage.object.v1.archived"
	TypeObjectMetadata   = "google.cloud.storage.object.v1.metadataUpdated"
)

// MessagePublishedData is the data of a
// google.cloud.pubsub.topic.v1.messagePublished event
// (google.events.cloud.pubsub.v1.MessagePublishedData).
type MessagePublishedData struct {
	Message      PubsubMessage `json:"message"`
	Subscription string        `json:"subscription"`
	// DeliveryAttempt is set by Pub/Sub push when the subscription has a
	// dead-letter policy (1 for the first delivery); 0 if absent.
	DeliveryAttempt int `json:"deliveryAttempt,omitempty"`
}

// PubsubMessage is a Pub/Sub message as carried in MessagePublishedData.
// Data is base64 on the wire; encoding/json decodes it into bytes.
type PubsubMessage struct {
	Data        []byte            `json:"data,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	MessageID   string            `json:"messageId"`
	PublishTime string            `json:"publishTime"`
	OrderingKey string            `json:"orderingKey,omitempty"`
}

// StorageObjectData is the data of google.cloud.storage.object.v1.* events
// (google.events.cloud.storage.v1.StorageObjectData). Cloud Storage sends
// the 64-bit numbers as JSON strings; Int64 accepts strings and numbers.
type StorageObjectData struct {
	Bucket         string            `json:"bucket"`
	Name           string            `json:"name"`
	ContentType    string            `json:"contentType,omitempty"`
	Size           Int64             `json:"size"`
	Generation     Int64             `json:"generation"`
	Metageneration Int64             `json:"metageneration"`
	MD5Hash        string            `json:"md5Hash,omitempty"`
	CRC32C         string            `json:"crc32c,omitempty"`
	ETag           string            `json:"etag,omitempty"`
	ID             string            `json:"id,omitempty"`
	Kind           string            `json:"kind,omitempty"`
	StorageClass   string            `json:"storageClass,omitempty"`
	MediaLink      string            `json:"mediaLink,omitempty"`
	SelfLink       string            `json:"selfLink,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	TimeCreated    string            `json:"timeCreated,omitempty"`
	Updated        string            `json:"updated,omitempty"`
	TimeDeleted    string            `json:"timeDeleted,omitempty"`
}

// Int64 is an int64 that decodes from a JSON number or a JSON string
// holding one (proto3 JSON's encoding of int64) and encodes as a string.
type Int64 int64

// UnmarshalJSON implements json.Unmarshaler. A string is unquoted as
// JSON strings are (escapes such as \u0031 included) before its digits
// are read; null and "" are 0.
func (n *Int64) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null":
		*n = 0
		return nil
	case strings.HasPrefix(s, `"`):
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("gcf: int64 field: %w", err)
		}
		if s == "" {
			*n = 0
			return nil
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("gcf: int64 field: %w", err)
	}
	*n = Int64(v)
	return nil
}

// MarshalJSON implements json.Marshaler.
func (n Int64) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatInt(int64(n), 10))
}
