// Unit tests of the front end's pure modules (no browser): npm test
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ApiError, errorFromResponse, formatBytes, itemsLeft, safeAttachmentName, sentence } from '../src/api.js'
import { isCognito, settingsFor } from '../src/auth.js'
import { readUrlState, urlFor } from '../src/urlstate.js'

test('attachment names are made acceptable to the API; acceptable ones are kept', () => {
  const ok = /^[A-Za-z0-9_\- ][A-Za-z0-9._\- ]{0,99}$/
  const cases = {
    'report.pdf': 'report.pdf',
    'Q3 report - final_v2.pdf': 'Q3 report - final_v2.pdf',
    'invoice (1).pdf': 'invoice _1_.pdf',
    'my résumé (final).txt': 'my resume _final_.txt',
    '.bashrc': 'bashrc',
    '...': 'file',
    '': 'file',
    'a/b\\c.txt': 'a_b_c.txt',
    '日本語.png': '___.png',
  }
  for (const [input, want] of Object.entries(cases)) {
    assert.equal(safeAttachmentName(input), want, input)
    assert.match(safeAttachmentName(input), ok)
  }
  const long = safeAttachmentName('x'.repeat(150) + '.jpeg')
  assert.equal(long.length, 100)
  assert.ok(long.endsWith('.jpeg'))
})

test('API errors become plain sentences and keep code and field', async () => {
  const res = new Response(JSON.stringify({ error: { code: 'invalid_input', message: 'title must be at most 200 characters', field: 'title' } }), {
    status: 400,
    headers: { 'Content-Type': 'application/json' },
  })
  const e = await errorFromResponse(res)
  assert.ok(e instanceof ApiError)
  assert.deepEqual([e.status, e.code, e.message, e.field], [400, 'invalid_input', 'Title must be at most 200 characters.', 'title'])
})

test('non-JSON and server errors get a readable sentence', async () => {
  const e = await errorFromResponse(new Response('<html>too big</html>', { status: 413 }))
  assert.equal(e.status, 413)
  assert.equal(e.message, 'The file is too large. The limit is 10 MiB.')
  const e2 = await errorFromResponse(new Response('', { status: 418 }))
  assert.match(e2.message, /418/)
  const e3 = await errorFromResponse(new Response('{"error":{"code":"internal","message":"todo: store: boom"}}', { status: 500 }))
  assert.equal(e3.message, 'Something went wrong on the server. Try again in a moment.')
})

test('sentence', () => {
  assert.equal(sentence('due must be a date'), 'Due must be a date.')
  assert.equal(sentence('Already fine.'), 'Already fine.')
  assert.equal(sentence(''), '')
})

test('sizes use binary units, like the 10 MiB limit', () => {
  assert.equal(formatBytes(12), '12 B')
  assert.equal(formatBytes(2048), '2.0 KiB')
  assert.equal(formatBytes(200 * 1024), '200 KiB')
  assert.equal(formatBytes(20 * 1024 * 1024), '20.0 MiB')
})

test('items left', () => {
  assert.equal(itemsLeft(0), '0 items left')
  assert.equal(itemsLeft(1), '1 item left')
  assert.equal(itemsLeft(7), '7 items left')
})

test('filter and open to-do round-trip through the URL', () => {
  assert.deepEqual(readUrlState(''), { status: 'all', todo: '' })
  assert.deepEqual(readUrlState('?status=done&todo=abc'), { status: 'done', todo: 'abc' })
  assert.deepEqual(readUrlState('?status=bogus'), { status: 'all', todo: '' })
  assert.equal(urlFor('http://x/?page_size=2', { status: 'open', todo: 'a b' }), '/?page_size=2&status=open&todo=a+b')
  assert.equal(urlFor('http://x/?status=open&todo=1', { status: 'all', todo: '' }), '/')
})

test('OIDC client settings: code + PKCE against the configured issuer', () => {
  const store = new Map()
  const s = settingsFor({ issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc', client_id: 'c1' }, 'https://app.example', store)
  assert.equal(s.authority, 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc')
  assert.equal(s.client_id, 'c1')
  assert.equal(s.redirect_uri, 'https://app.example/')
  assert.equal(s.post_logout_redirect_uri, 'https://app.example/')
  assert.equal(s.response_type, 'code')
  assert.equal(s.scope, 'openid profile email')
  assert.equal(s.metadataSeed, undefined)
  const s2 = settingsFor({ issuer: 'https://accounts.google.com', client_id: 'g', scope: 'openid email', token_endpoint: '/api/auth/token' }, 'https://app.example', store)
  assert.equal(s2.scope, 'openid email')
  assert.deepEqual(s2.metadataSeed, { token_endpoint: 'https://app.example/api/auth/token' })
})

test('Cognito pools are recognised by their issuer', () => {
  assert.ok(isCognito('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC'))
  assert.ok(!isCognito('https://cognito-idp.us-east-1.amazonaws.com.evil.example/x'))
  assert.ok(!isCognito('http://127.0.0.1:8080/_faas/oidc'))
  assert.ok(!isCognito('not a url'))
})
