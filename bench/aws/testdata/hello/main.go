// Command hello is the hello-world aws-lambda-go bootstrap that the to-do
// bootstrap's cold start and size are compared with.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
