// Package azurefunc runs a faas app as an Azure Functions custom handler.
//
// The Functions host (Linux, Flex Consumption or any v4 plan) starts the
// handler binary with FUNCTIONS_CUSTOMHANDLER_PORT set; Main listens there on
// 127.0.0.1 and speaks the host's two invocation protocols:
//
//   - Pass-through HTTP (host.json customHandler.enableForwardingHttpRequest):
//     the host forwards the client's request unchanged to the same path as
//     the public URL, /<routePrefix>/<route>. Handler strips the route
//     prefix (read from host.json; deploy/azuredeploy writes "" so that
//     public paths are the app's own) and serves the request with the
//     app's HTTP function whose Path is the longest prefix of the request
//     path. This is what deploy/azuredeploy generates for every HTTP
//     function.
//   - JSON mode: the host POSTs {"Data","Metadata"} to /<FunctionName> and
//     expects {"Outputs","Logs","ReturnValue"} with a 2xx status. Handler
//     serves HTTP triggers (when forwarding is off), Service Bus topic
//     subscriptions (Message functions), Event Grid blob events (BlobEvent
//     functions) and timer triggers (Schedule functions) this way. A
//     non-2xx answer fails the invocation, which makes Service Bus deliver
//     the message again (up to the subscription's max delivery count) and
//     Event Grid retry the event.
//
// The binding names and the trigger encodings the shim expects are the
// constants below; deploy/azuredeploy writes function.json files that use
// them.
package azurefunc
