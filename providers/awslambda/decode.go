package awslambda

import (
	stdjson "encoding/json"
	"errors"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
	"github.com/faaskit/faas/sdk"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Events are decoded with github.com/go-json-experiment/json (the upstream
// of Go's encoding/json/v2) into aws-lambda-go's own event types, with
// that package's default options, which match how Lambda sends JSON:
//
//   - Member names match the types' json tags exactly (case-sensitively).
//     Lambda and the services behind it write every event with exactly the
//     names aws-lambda-go's tags spell (its test samples are the services'
//     own). Exact matching is the encoding/json v2 default and the faster
//     one, and it keeps a case variant ("Body" beside "body") from silently
//     overriding a field. MatchCaseInsensitiveNames would also ignore '-'
//     and '_' ("detailtype" would match "detail-type"), which even
//     encoding/json never did.
//   - Invalid UTF-8 is an error (encoding/json would replace it with U+FFFD
//     and pass the event on); so is a duplicate member name (encoding/json
//     keeps the last). Neither occurs in an event Lambda sends; both are how
//     a forged payload could make two readers of it disagree.
//   - base64 ([]byte) and times are strict: encoding/json also skips line
//     breaks in base64 and takes some times that are not RFC 3339 (a
//     one-digit hour). AWS writes neither.
//   - Everything else (numbers, null, unknown members ignored) decodes as
//     aws-lambda-go's own encoding/json path decodes it; the fuzz tests
//     (fuzz_test.go) check that, difference by difference.
//
// The only custom decoders are the ones below, each for a type whose
// aws-lambda-go form cannot hold what the shim must keep or whose own
// UnmarshalJSON method would run encoding/json.

// recordOptions decodes SQS, SNS and S3 events.
var recordOptions = json.WithUnmarshalers(json.UnmarshalFromFunc(unmarshalS3Object))

// numberOptions decodes JSON numbers held in an "any" (authorizer claims
// and contexts) as encoding/json.Number, keeping them exact, as
// encoding/json's UseNumber does.
var numberOptions = json.WithUnmarshalers(json.UnmarshalFromFunc(unmarshalNumber))

// unmarshalS3Object is events.S3Object's UnmarshalJSON method on
// go-json-experiment: the object's fields, then URLDecodedKey, the key
// form-decoded (S3 sends keys form-encoded: '+' is a space). A key that is
// not valid form encoding is an error, as it is for the method.
func unmarshalS3Object(dec *jsontext.Decoder, o *events.S3Object) error {
	type plain events.S3Object // without the method
	if err := json.UnmarshalDecode(dec, (*plain)(o)); err != nil {
		return err
	}
	key, err := url.QueryUnescape(o.Key)
	if err != nil {
		return err
	}
	o.URLDecodedKey = key
	return nil
}

// unmarshalNumber decodes a number held in an "any" as a json.Number and
// leaves every other value to the default decoding.
func unmarshalNumber(dec *jsontext.Decoder, v *any) error {
	if dec.PeekKind() != '0' {
		return errors.ErrUnsupported
	}
	n, err := dec.ReadValue()
	if err != nil {
		return err
	}
	*v = stdjson.Number(n)
	return nil
}

// decodeError reports an event that does not decode into its type.
func decodeError(what string, err error) error {
	return sdk.Errorf(sdk.CodeInvalidInput, "awslambda: decoding %s event: %w", what, err)
}
