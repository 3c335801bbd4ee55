// OIDC authorization-code flow with PKCE (S256) for a public client.
//
// 1. GET /api/auth/config            -> { issuer, client_id, audience }
//    optional extras: scope (default "openid profile email"), token_endpoint
//    (a same-origin exchange endpoint overriding the discovered one, for
//    providers that insist on a client secret) and bearer ("access_token",
//    the default, or "id_token" for providers with opaque access tokens).
// 2. GET {issuer}/.well-known/openid-configuration
// 3. redirect to authorization_endpoint (response_type=code, PKCE S256, state)
// 4. back at {origin}/?code=...&state=... -> POST token_endpoint (form)
// 5. keep access_token in sessionStorage, send it as "Authorization: Bearer".
//
// Storage choice: sessionStorage. It survives reloads and the redirect round
// trip of the same tab, is dropped when the tab is closed, and is not shared
// with other tabs. Access tokens are short-lived; a new tab signs in again
// (with a real IdP that is usually a silent redirect because the IdP keeps
// its own session). No refresh token is requested or stored.

import { sha256 } from './sha256.js'

const TOKEN_KEY = 'todo.auth.token'
const PENDING_KEY = 'todo.auth.pending'
const DEFAULT_SCOPE = 'openid profile email'
const EXPIRY_SKEW_MS = 30_000

export class AuthError extends Error {}

function b64url(bytes) {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function randomString(nBytes = 32) {
  const a = new Uint8Array(nBytes)
  crypto.getRandomValues(a)
  return b64url(a)
}

async function s256(verifier) {
  const data = new TextEncoder().encode(verifier)
  // crypto.subtle only exists in secure contexts (https, localhost,
  // 127.0.0.1); fall back to a bundled SHA-256 elsewhere (e.g. a phone on
  // the LAN talking to `faas dev` over plain http).
  if (globalThis.crypto?.subtle) {
    return b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', data)))
  }
  return b64url(sha256(data))
}

const trimSlash = (s) => String(s || '').replace(/\/+$/, '')

async function getJSON(url, what) {
  let res
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } })
  } catch (e) {
    throw new AuthError(`Could not reach ${what}: ${e.message}`)
  }
  if (!res.ok) throw new AuthError(`${what} answered HTTP ${res.status}`)
  return res.json()
}

export async function loadAuthConfig() {
  const cfg = await getJSON('/api/auth/config', 'the sign-in configuration (/api/auth/config)')
  if (!cfg.issuer || !cfg.client_id) throw new AuthError('/api/auth/config lacks issuer or client_id')
  return cfg
}

export async function discover(issuer) {
  const meta = await getJSON(`${trimSlash(issuer)}/.well-known/openid-configuration`, 'the identity provider')
  if (trimSlash(meta.issuer) !== trimSlash(issuer)) {
    throw new AuthError(`identity provider says it is ${meta.issuer}, expected ${issuer}`)
  }
  if (!meta.authorization_endpoint || !meta.token_endpoint) {
    throw new AuthError('identity provider metadata lacks authorization_endpoint or token_endpoint')
  }
  return meta
}

export function redirectUri() {
  return `${location.origin}/`
}

// Starts the sign-in: navigates away to the identity provider.
export async function signIn() {
  const cfg = await loadAuthConfig()
  const meta = await discover(cfg.issuer)
  const verifier = randomString(48)
  const state = randomString(24)
  const pending = {
    state,
    verifier,
    issuer: cfg.issuer,
    client_id: cfg.client_id,
    token_endpoint: cfg.token_endpoint || meta.token_endpoint,
    bearer: cfg.bearer === 'id_token' ? 'id_token' : 'access_token',
    redirect_uri: redirectUri(),
    return_to: location.pathname + location.search,
  }
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending))
  const url = new URL(meta.authorization_endpoint)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', cfg.client_id)
  url.searchParams.set('redirect_uri', pending.redirect_uri)
  url.searchParams.set('scope', cfg.scope || DEFAULT_SCOPE)
  url.searchParams.set('state', state)
  url.searchParams.set('code_challenge', await s256(verifier))
  url.searchParams.set('code_challenge_method', 'S256')
  location.assign(url.toString())
}

// Finishes a sign-in if the current URL is the identity provider's redirect.
// Returns true when a token was obtained. Throws AuthError on failure.
export async function completeSignIn() {
  const params = new URLSearchParams(location.search)
  if (!params.has('state') || !(params.has('code') || params.has('error'))) return false
  const raw = sessionStorage.getItem(PENDING_KEY)
  sessionStorage.removeItem(PENDING_KEY)
  const pending = raw ? JSON.parse(raw) : null
  // Remove code/state from the address bar (and history) right away.
  history.replaceState(null, '', pending?.return_to || '/')
  // A stale callback URL (e.g. from history) while signed in: nothing to do.
  if (!pending && getToken()) return false
  if (!pending || params.get('state') !== pending.state) {
    throw new AuthError('Sign-in response did not match a sign-in started here (state mismatch). Please sign in again.')
  }
  if (params.has('error')) {
    throw new AuthError(`Sign-in failed: ${params.get('error_description') || params.get('error')}`)
  }
  if (params.has('iss') && trimSlash(params.get('iss')) !== trimSlash(pending.issuer)) {
    throw new AuthError('Sign-in response came from an unexpected issuer.')
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.get('code'),
    redirect_uri: pending.redirect_uri,
    code_verifier: pending.verifier,
    client_id: pending.client_id,
  })
  let res
  try {
    res = await fetch(pending.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
    })
  } catch (e) {
    throw new AuthError(`Could not reach the token endpoint: ${e.message}`)
  }
  const tok = await res.json().catch(() => ({}))
  const bearer = pending.bearer || 'access_token'
  if (!res.ok || !tok[bearer]) {
    const why = tok.error_description || tok.error || (res.ok ? `no ${bearer} in the response` : `HTTP ${res.status}`)
    throw new AuthError(`Token exchange failed: ${why}`)
  }
  saveToken(tok[bearer], bearer === 'access_token' ? tok.expires_in : undefined)
  return true
}

function jwtExp(token) {
  try {
    const part = token.split('.')[1]
    if (!part) return null
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')))
    return typeof json.exp === 'number' ? json.exp * 1000 : null
  } catch {
    return null
  }
}

export function saveToken(accessToken, expiresIn) {
  const expiresAt = Number(expiresIn) > 0 ? Date.now() + Number(expiresIn) * 1000 : jwtExp(accessToken)
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ access_token: accessToken, expires_at: expiresAt }))
}

// The access token if one is stored and not (about to be) expired.
export function getToken() {
  try {
    const t = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null')
    if (!t?.access_token) return null
    if (t.expires_at && t.expires_at - EXPIRY_SKEW_MS < Date.now()) {
      sessionStorage.removeItem(TOKEN_KEY)
      return null
    }
    return t.access_token
  } catch {
    return null
  }
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY)
  sessionStorage.removeItem(PENDING_KEY)
}
