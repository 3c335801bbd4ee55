// Unit tests of the front end's pure modules (no browser): npm test
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { sha256 } from '../src/sha256.js'
import { ApiError, errorFromResponse, formatBytes, safeAttachmentName } from '../src/api.js'

test('sha256 fallback matches node:crypto', () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 128, 1000]) {
    const b = randomBytes(n)
    assert.equal(Buffer.from(sha256(new Uint8Array(b))).toString('hex'), createHash('sha256').update(b).digest('hex'), `${n} bytes`)
  }
})

test('RFC 7636 appendix B example challenge', () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
  const challenge = Buffer.from(sha256(new TextEncoder().encode(verifier))).toString('base64url')
  assert.equal(challenge, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
})

test('attachment names are made acceptable to the API', () => {
  const ok = /^[A-Za-z0-9_\- ][A-Za-z0-9._\- ]{0,99}$/
  const cases = {
    'report.pdf': 'report.pdf',
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

test("API errors keep the API's code, message and field", async () => {
  const res = new Response(JSON.stringify({ error: { code: 'invalid_input', message: 'title is required', field: 'title' } }), {
    status: 400,
    headers: { 'Content-Type': 'application/json' },
  })
  const e = await errorFromResponse(res)
  assert.ok(e instanceof ApiError)
  assert.deepEqual([e.status, e.code, e.message, e.field], [400, 'invalid_input', 'title is required', 'title'])
})

test('non-JSON errors get a readable message', async () => {
  const e = await errorFromResponse(new Response('<html>too big</html>', { status: 413 }))
  assert.equal(e.status, 413)
  assert.match(e.message, /10 MiB/)
  const e2 = await errorFromResponse(new Response('', { status: 418 }))
  assert.match(e2.message, /418/)
})

test('formatBytes', () => {
  assert.equal(formatBytes(12), '12 B')
  assert.equal(formatBytes(2048), '2.0 KB')
  assert.equal(formatBytes(200 * 1024), '200 KB')
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MB')
})
