// Command hellodrivers is the hello-world aws-lambda-go bootstrap plus the
// gocloud.dev portable operations the to-do app performs, on the three AWS
// drivers its resources need, and no faas code: the floor that any app
// using a bucket, a collection and a topic through gocloud.dev starts from.
// The operations run only when HELLO_BUCKET, HELLO_COLLECTION and
// HELLO_TOPIC are set (never in the benchmark), but they are linked, as
// they are in the to-do bootstrap. BenchmarkColdStart reports this
// bootstrap beside the to-do and hello ones.
package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob"
	"gocloud.dev/docstore"
	_ "gocloud.dev/docstore/awsdynamodb/v2"
	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/awssnssqs"
)

type item struct {
	ID    string `docstore:"id"`
	Owner string
	N     int
}

func main() {
	lambda.Start(func(ctx context.Context) (string, error) {
		if os.Getenv("HELLO_BUCKET") != "" {
			return "used", use(ctx)
		}
		return "hello", nil
	})
}

// use performs the operations the to-do app performs on its resources.
func use(ctx context.Context) error {
	b, err := blob.OpenBucket(ctx, os.Getenv("HELLO_BUCKET"))
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.WriteAll(ctx, "k", []byte("v"), &blob.WriterOptions{ContentType: "text/plain"}); err != nil {
		return err
	}
	r, err := b.NewReader(ctx, "k", nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, r)
	r.Close()
	if _, aerr := b.Attributes(ctx, "k"); aerr != nil {
		err = errors.Join(err, aerr)
	}
	it := b.List(&blob.ListOptions{Prefix: "k"})
	for {
		o, lerr := it.Next(ctx)
		if lerr != nil {
			break
		}
		err = errors.Join(err, b.Delete(ctx, o.Key))
	}

	c, cerr := docstore.OpenCollection(ctx, os.Getenv("HELLO_COLLECTION"))
	if cerr != nil {
		return errors.Join(err, cerr)
	}
	defer c.Close()
	doc := &item{ID: "1", Owner: "o"}
	err = errors.Join(err, c.Create(ctx, doc), c.Get(ctx, doc), c.Replace(ctx, doc))
	q := c.Query().Where("Owner", "=", "o").Get(ctx)
	for {
		var got item
		if qerr := q.Next(ctx, &got); qerr != nil {
			break
		}
	}
	q.Stop()
	err = errors.Join(err, c.Delete(ctx, doc))

	t, terr := pubsub.OpenTopic(ctx, os.Getenv("HELLO_TOPIC"))
	if terr != nil {
		return errors.Join(err, terr)
	}
	defer t.Shutdown(ctx)
	return errors.Join(err, t.Send(ctx, &pubsub.Message{Body: []byte("e"), Metadata: map[string]string{"type": "x"}}))
}
