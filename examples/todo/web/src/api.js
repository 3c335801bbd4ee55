// Thin client for the to-do API. Every call sends the bearer token; any
// error becomes an ApiError carrying the API's {code, message, field}.

import { getToken } from './auth.js'

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

const STATUS_TEXT = {
  400: 'The request was not valid.',
  401: 'You are not signed in (or your session expired).',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  409: 'This was changed elsewhere in the meantime.',
  412: 'This was changed elsewhere in the meantime.',
  413: 'The file is too large (the limit is 10 MiB).',
  503: 'The service is unavailable right now; try again shortly.',
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
  if (e && typeof e === 'object' && e.message) {
    return new ApiError(res.status, e.code || '', e.message, e.field)
  }
  return new ApiError(res.status, '', STATUS_TEXT[res.status] || `Request failed (HTTP ${res.status}).`)
}

export async function request(method, path, { json, body, headers = {}, raw = false } = {}) {
  const h = { Accept: 'application/json', ...headers }
  const token = getToken()
  if (token) h.Authorization = `Bearer ${token}`
  if (json !== undefined) {
    h['Content-Type'] = 'application/json'
    body = JSON.stringify(json)
  }
  let res
  try {
    res = await fetch(path, { method, headers: h, body })
  } catch (e) {
    throw new ApiError(0, 'network', `Network error: ${e.message}`)
  }
  if (!res.ok) {
    const err = await errorFromResponse(res)
    if (res.status === 401) onUnauthorized(err)
    throw err
  }
  if (raw) return res
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

// Attachment names the API accepts: 1..100 of [A-Za-z0-9._- ], not starting
// with '.'. Turns any file name into one (keeping the extension if possible).
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
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

export function formatBytes(n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}
