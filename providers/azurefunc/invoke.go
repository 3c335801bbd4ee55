package azurefunc

import (
	"encoding/json"
	"fmt"
	"github.com/faaskit/faas/sdk/provider"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/faaskit/faas/sdk"
)

// maxInvokeBody bounds a JSON-mode request body (the host buffers HTTP
// bodies and Service Bus messages, which are at most 100 MB on Premium).
const maxInvokeBody = 128 << 20

// serveInvoke answers one JSON-mode invocation of f.
func (h *Handler) serveInvoke(w http.ResponseWriter, r *http.Request, f *sdk.Function, id string) {
	var req InvokeRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxInvokeBody))
	if err := dec.Decode(&req); err != nil {
		h.reject(w, f, fmt.Errorf("azurefunc: %s: invocation body: %w", f.Name(), err))
		return
	}
	logs := &logCollector{}
	ctx, dl := h.begin(r.Context(), f, id, r, logs)
	defer dl.stop()

	var (
		resp = InvokeResponse{Outputs: map[string]any{}}
		err  error
	)
	switch f.Kind() {
	case sdk.KindHTTP:
		var out *HTTPOutput
		out, err = h.invokeHTTP(ctx, f, &req)
		if err == nil {
			resp.Outputs[BindingHTTPResponse] = out
		}
	case sdk.KindMessage:
		var m *sdk.Message
		if m, err = messageFrom(&req); err == nil {
			err = provider.HandleMessage(ctx, f, m)
		}
	case sdk.KindBlob:
		var e *sdk.BlobEvent
		if e, err = blobEventFrom(&req); err == nil {
			if e == nil { // not a blob event: nothing to do
				sdk.Logger(ctx).Warn("ignoring an Event Grid event that is not a blob creation or deletion")
				break
			}
			e.Bucket = f.Bucket()
			err = provider.HandleBlob(ctx, f, e)
		}
	case sdk.KindSchedule:
		var e *sdk.ScheduleEvent
		if e, err = scheduleEventFrom(&req, sdk.InvocationFrom(ctx).ID); err == nil {
			e.Schedule = f.Schedule().Expr
			err = provider.HandleSchedule(ctx, f, e)
		}
	}
	if err != nil {
		sdk.Logger(ctx).Error("invocation failed", slog.String("error", err.Error()), slog.String("code", sdk.CodeOf(err).String()))
		// The host discards the body of a failed invocation: keep the logs
		// on stdout instead, then fail so that the trigger retries.
		for _, l := range logs.take() {
			h.log.Write([]byte(l + "\n"))
		}
		sdk.WriteError(w, err)
		return
	}
	resp.Logs = logs.take()
	if resp.Logs == nil {
		resp.Logs = []string{}
	}
	b, mErr := json.Marshal(resp)
	if mErr != nil {
		h.reject(w, f, fmt.Errorf("azurefunc: %s: encoding response: %w", f.Name(), mErr))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// reject fails an invocation that could not be decoded or encoded.
func (h *Handler) reject(w http.ResponseWriter, f *sdk.Function, err error) {
	line, _ := json.Marshal(map[string]string{"level": "ERROR", "msg": err.Error(), "function": f.Name()})
	h.log.Write(append(line, '\n'))
	sdk.WriteError(w, sdk.Wrap(sdk.CodeInvalidInput, err))
}
