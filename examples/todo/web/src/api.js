// Thin client for the to-do API. Every call sends the bearer token; any
// error becomes an ApiError whose message is a plain sentence for people.

import { currentToken, renew } from './auth.js'

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message)
    this.status = status
    this.code = code
    this.field = field || ''
  }
}

let onUnauthorized = () => {}
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn
}

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
export const MAX_TITLE = 200

export const NETWORK_MESSAGE = 'Could not reach the server. Check your connection and try again.'

const STATUS_TEXT = {
  400: 'That was not accepted. Check what you entered and try again.',
  401: 'Your session has expired. Please sign in again.',
  403: 'You are not allowed to do that.',
  404: 'This to-do no longer exists. It may have been deleted elsewhere.',
  409: 'This to-do was changed elsewhere in the meantime.',
  412: 'This to-do was changed elsewhere in the meantime.',
  413: 'The file is too large. The limit is 10 MiB.',
  502: 'The server is not answering right now. Try again in a moment.',
  503: 'The server is not answering right now. Try again in a moment.',
  504: 'The server is not answering right now. Try again in a moment.',
}

// sentence turns an API message ("title must be at most 200 characters")
// into a sentence ("Title must be at most 200 characters.").
export function sentence(msg) {
  const s = String(msg || '').trim()
  if (!s) return ''
  const t = s[0].toUpperCase() + s.slice(1)
  return /[.!?]$/.test(t) ? t : `${t}.`
}

// Builds an ApiError from a failed response: {"error":{"code","message","field"}}
// when the body is the API's JSON error, a status-based message otherwise.
export async function errorFromResponse(res) {
  let body = null
  try {
    body = await res.json()
  } catch {
    /* not JSON (e.g. a proxy's 413 page) */
  }
  const e = body && typeof body === 'object' ? body.error : null
  if (res.status >= 500 || res.status === 413 || res.status === 401) {
    return new ApiError(res.status, e?.code || '', STATUS_TEXT[res.status] || 'Something went wrong on the server. Try again in a moment.', e?.field)
  }
  if (e && typeof e === 'object' && e.message) {
    return new ApiError(res.status, e.code || '', sentence(e.message), e.field)
  }
  return new ApiError(res.status, '', STATUS_TEXT[res.status] || `The request failed (HTTP ${res.status}).`)
}

async function send(method, path, { json, body, headers = {} }) {
  const h = { Accept: 'application/json', ...headers }
  const token = await currentToken().catch(() => null)
  if (token) h.Authorization = `Bearer ${token}`
  if (json !== undefined) {
    h['Content-Type'] = 'application/json'
    body = JSON.stringify(json)
  }
  try {
    return await fetch(path, { method, headers: h, body })
  } catch {
    throw new ApiError(0, 'network', NETWORK_MESSAGE)
  }
}

export async function request(method, path, opts = {}) {
  let res = await send(method, path, opts)
  // A refused token: renew it once with the refresh token and try again.
  if (res.status === 401 && (await renew().catch(() => false))) {
    res = await send(method, path, opts)
  }
  if (!res.ok) {
    const err = await errorFromResponse(res)
    if (res.status === 401) onUnauthorized(err)
    throw err
  }
  if (opts.raw) return res
  if (res.status === 204) return null
  const text = await res.text()
  return text ? JSON.parse(text) : null
}

const enc = encodeURIComponent

export const api = {
  me: () => request('GET', '/api/me'),
  stats: () => request('GET', '/api/stats'),
  listTodos: ({ status = 'all', limit = 20, cursor = '' } = {}) => {
    const q = new URLSearchParams({ status, limit: String(limit) })
    if (cursor) q.set('cursor', cursor)
    return request('GET', `/api/todos?${q}`)
  },
  getTodo: (id) => request('GET', `/api/todos/${enc(id)}`),
  createTodo: (t) => request('POST', '/api/todos', { json: t }),
  updateTodo: (id, patch) => request('PATCH', `/api/todos/${enc(id)}`, { json: patch }),
  deleteTodo: (id) => request('DELETE', `/api/todos/${enc(id)}`),
  listAttachments: (id) => request('GET', `/api/todos/${enc(id)}/attachments`),
  uploadAttachment: (id, name, file) =>
    request('PUT', `/api/todos/${enc(id)}/attachments/${enc(name)}`, {
      body: file,
      headers: { 'Content-Type': file.type || 'application/octet-stream' },
    }),
  downloadAttachment: (id, name) =>
    request('GET', `/api/todos/${enc(id)}/attachments/${enc(name)}`, { raw: true, headers: { Accept: '*/*' } }),
  deleteAttachment: (id, name) => request('DELETE', `/api/todos/${enc(id)}/attachments/${enc(name)}`),
}

// listEverything pages through all of the user's to-dos (for the counts,
// "toggle all" and "clear completed").
export async function listEverything(maxPages = 50) {
  const out = []
  let cursor = ''
  for (let i = 0; i < maxPages; i++) {
    const page = await api.listTodos({ status: 'all', limit: 100, cursor })
    out.push(...(page?.items || []))
    cursor = page?.next_cursor || ''
    if (!cursor) break
  }
  return out
}

// Attachment names the API accepts today: 1..100 of [A-Za-z0-9._- ], not
// starting with '.'. A name that already fits is kept exactly; any other is
// turned into one (keeping the extension if possible) and the caller tells
// the person about the change.
export const NAME_RULE = 'letters A–Z, digits, spaces, dots, dashes and underscores'
export function safeAttachmentName(name) {
  let n = String(name || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
  n = n.replace(/[^A-Za-z0-9._\- ]/g, '_')
  n = n.replace(/^[.\s]+/, '').trim()
  if (n.length > 100) {
    const dot = n.lastIndexOf('.')
    const ext = dot > 0 && n.length - dot <= 12 ? n.slice(dot) : ''
    n = n.slice(0, 100 - ext.length) + ext
  }
  return n || 'file'
}

// formatBytes uses binary units throughout (KiB, MiB), like the 10 MiB limit.
export function formatBytes(n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

// pluralItems renders TodoMVC's "n items left".
export const itemsLeft = (n) => `${n} ${n === 1 ? 'item' : 'items'} left`
