package emulators

import (
	"os/exec"
	"regexp"
	"testing"
)

// Moto runs moto_server (AWS service mocks: S3, DynamoDB, SNS, SQS, …) on
// a free 127.0.0.1 port until the test ends, and returns its base URL. It
// fails the test, not skips it, when moto_server is missing.
func Moto(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal("moto_server is not on PATH: install it with `pip install 'moto[server]'`")
	}
	return StartUntilReady(t, exec.Command(path, "-H", "127.0.0.1", "-p", "0"), regexp.MustCompile(`Running on (http://127\.0\.0\.1:\d+)`), "moto_server")
}
