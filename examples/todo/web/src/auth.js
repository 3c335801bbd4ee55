// Sign-in with oidc-client-ts: the OIDC authorization-code flow with PKCE
// (S256) for a public client, refresh tokens, and RP-initiated sign-out,
// against faas dev's issuer, Cognito or any OIDC provider alike.
//
// 1. GET /api/auth/config -> { issuer, client_id, audience }; optional
//    extras: scope (default "openid profile email"), token_endpoint (a
//    same-origin exchange endpoint that replaces the discovered one, for
//    providers that insist on a client secret), bearer ("access_token", the
//    default, or "id_token" for providers with opaque access tokens) and
//    end_session_endpoint (for providers whose discovery lacks one).
// 2. oidc-client-ts discovers the issuer, redirects to its
//    authorization_endpoint and, back at <origin>/?code=…&state=…, exchanges
//    the code (state, PKCE and the ID token's claims are checked there).
// 3. The user (tokens, expiry, refresh token) is kept in sessionStorage: it
//    survives reloads and the redirect round trip, is gone with the tab.
// 4. An access token about to expire, or one the API refuses, is renewed
//    with the refresh token (grant_type=refresh_token); without one the user
//    signs in again.

import { UserManager, WebStorageStateStore } from 'oidc-client-ts'

const DEFAULT_SCOPE = 'openid profile email'

export class AuthError extends Error {}

let manager = null // Promise<{ mgr, cfg }>

async function getJSON(url, what) {
  let res
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } })
  } catch {
    throw new AuthError(`Could not reach ${what}. Check your connection and try again.`)
  }
  if (!res.ok) throw new AuthError(`Could not load ${what} (the server answered ${res.status}).`)
  return res.json()
}

export async function loadAuthConfig() {
  const cfg = await getJSON('/api/auth/config', 'the sign-in settings')
  if (!cfg.issuer || !cfg.client_id) throw new AuthError('The sign-in settings lack an issuer or a client ID.')
  return cfg
}

// isCognito reports whether issuer is an Amazon Cognito user pool, whose
// discovery document has no end_session_endpoint (its /logout is not the
// standard one: it takes client_id and logout_uri).
export function isCognito(issuer) {
  try {
    return /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/.test(new URL(issuer).hostname)
  } catch {
    return false
  }
}

// settingsFor returns the UserManager settings for an /api/auth/config answer.
export function settingsFor(cfg, origin, store) {
  const s = {
    authority: cfg.issuer,
    client_id: cfg.client_id,
    redirect_uri: `${origin}/`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: cfg.scope || DEFAULT_SCOPE,
    userStore: new WebStorageStateStore({ store }),
    stateStore: new WebStorageStateStore({ store }),
    loadUserInfo: false,
    monitorSession: false,
    // Renewal is done here (renew()), with the refresh token only: silent
    // renewal in an iframe needs third-party cookies and frameable pages.
    automaticSilentRenew: false,
  }
  const seed = {}
  if (cfg.token_endpoint) seed.token_endpoint = new URL(cfg.token_endpoint, origin).href
  if (cfg.end_session_endpoint) seed.end_session_endpoint = cfg.end_session_endpoint
  if (Object.keys(seed).length) s.metadataSeed = seed
  return s
}

function getManager() {
  manager ??= loadAuthConfig().then((cfg) => {
    const mgr = new UserManager(settingsFor(cfg, location.origin, sessionStorage))
    mgr.events.addAccessTokenExpiring(() => renew().catch(() => {}))
    return { mgr, cfg }
  })
  manager.catch(() => {
    manager = null
  })
  return manager
}

const bearerOf = (user, cfg) => (cfg.bearer === 'id_token' ? user?.id_token : user?.access_token) || null

// Starts the sign-in: navigates away to the identity provider.
export async function signIn() {
  const { mgr } = await getManager()
  await mgr.signinRedirect({ state: { returnTo: location.pathname + location.search } })
}

// Finishes a sign-in or sign-out redirect if the current URL is one. Returns
// true when a sign-in completed. Throws AuthError on failure.
export async function completeRedirect() {
  const params = new URLSearchParams(location.search)
  const isSignIn = params.has('state') && (params.has('code') || params.has('error'))
  const isSignOut = params.has('state') && !isSignIn
  if (!isSignIn && !isSignOut) return false
  let { mgr } = await getManager()
  try {
    if (isSignOut) {
      await mgr.signoutRedirectCallback().catch(() => {})
      history.replaceState(null, '', '/')
      return false
    }
    const user = await mgr.signinRedirectCallback()
    history.replaceState(null, '', user.state?.returnTo || '/')
    return true
  } catch (e) {
    history.replaceState(null, '', '/')
    // A stale callback URL (from history) while signed in: nothing to do.
    if (await currentToken()) return false
    throw new AuthError(`Sign-in did not complete: ${e.message}. Please sign in again.`)
  }
}

// currentToken returns the stored bearer token if it is still valid, else
// renews it with the refresh token; null when signed out.
export async function currentToken() {
  const { mgr, cfg } = await getManager()
  const user = await mgr.getUser()
  if (!user) return null
  if (!user.expired) return bearerOf(user, cfg)
  return (await renew()) ? bearerOf(await mgr.getUser(), cfg) : null
}

// renew exchanges the refresh token for new tokens. Returns false (and
// forgets the user) when there is none or the issuer refuses it.
let renewing = null
export function renew() {
  renewing ??= (async () => {
    const { mgr } = await getManager()
    const user = await mgr.getUser()
    if (!user?.refresh_token) {
      await mgr.removeUser()
      return false
    }
    try {
      await mgr.signinSilent()
      return true
    } catch {
      await mgr.removeUser()
      return false
    }
  })().finally(() => {
    renewing = null
  })
  return renewing
}

// signOut forgets the tokens and ends the session at the identity provider
// when it has an end-session endpoint (the browser then comes back to
// <origin>/). Cognito's non-standard /logout is used for Cognito pools.
export async function signOut() {
  const { mgr, cfg } = await getManager()
  const user = await mgr.getUser()
  let meta = {}
  try {
    meta = await mgr.metadataService.getMetadata()
  } catch {
    /* offline: sign out locally */
  }
  if (user && meta.end_session_endpoint) {
    await mgr.signoutRedirect({ id_token_hint: user.id_token })
    return
  }
  await mgr.removeUser()
  if (user && isCognito(cfg.issuer) && meta.authorization_endpoint) {
    const u = new URL('/logout', meta.authorization_endpoint)
    u.searchParams.set('client_id', cfg.client_id)
    u.searchParams.set('logout_uri', `${location.origin}/`)
    location.assign(u.href)
  }
}

// forget drops the tokens locally (after the API refused them for good).
export async function forget() {
  const { mgr } = await getManager()
  await mgr.removeUser()
}
