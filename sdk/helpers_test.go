package sdk_test

import "errors"

type errorString string

func (e errorString) Error() string { return string(e) }

func errorsAs(err error, target any) bool { return errors.As(err, target) }
func errorsIs(err, target error) bool     { return errors.Is(err, target) }
