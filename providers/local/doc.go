// Package local is the reference runtime behind `faas dev`: it runs a whole
// app — HTTP, topic messages, blob events, schedules and sign-in — in one
// process on durable embedded stores, with no Docker and no cloud account.
//
// It has two layers. Server is provider-neutral: it owns the dev OIDC issuer,
// the durable broker (at-least-once delivery, backoff, dead letters), the
// scheduler and the /_faas admin API, and hands every invocation to a
// Dispatcher. InProcess is the Dispatcher that calls the app's functions
// directly; emulated providers (faas dev --emulate=aws|gcp|azure) supply a
// Dispatcher that runs the real platform artifact instead.
//
// Main is the entry point compiled into the app binary that faas dev runs.
package local
