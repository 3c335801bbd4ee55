package azurefunc

import (
	"net/http"

	"github.com/faaskit/faas/sdk"
)

// eventStatus is the Azure error table for event invocations (Service Bus,
// Event Grid, timer): the status the handler answers the host with when the
// user's handler returned err. Any non-2xx fails the invocation; the host
// then abandons the Service Bus message (redelivered until the
// subscription's maxDeliveryCount, then dead-lettered) or fails the Event
// Grid delivery (retried by Event Grid). The platform cannot drop a single
// message from the handler side, so even non-retryable codes fail and the
// dead-letter policy decides; the status only tells the log reader why.
func eventStatus(err error) int {
	if err == nil {
		return http.StatusOK
	}
	return sdk.HTTPStatus(sdk.CodeOf(err))
}
