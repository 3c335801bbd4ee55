// Shared helpers for the browser tests: launching Debian's Chromium through
// playwright-core, signing in through the OIDC issuer's page, and small
// wrappers around the to-do UI.

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { AxeBuilder } from '@axe-core/playwright'
import { chromium } from 'playwright-core'

export const BASE_URL = (process.env.E2E_BASE_URL || '').replace(/\/+$/, '')
export const TARGET = process.env.E2E_TARGET || 'local'
export let PHASE = process.env.E2E_PHASE || 'main'
// Sets the phase (used in screenshot names) and removes the screenshots an
// earlier run of the same target and phase left behind.
export function setPhase(p) {
  PHASE = p
  for (const f of readdirSync(ARTIFACTS)) {
    if (f.startsWith(`${TARGET}-${PHASE}-`) && f.endsWith('.png')) rmSync(ARTIFACTS + f)
  }
}
export const STATS_TIMEOUT_MS = Number(process.env.E2E_STATS_TIMEOUT_MS || 15000)
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
export const STATE_FILE = process.env.E2E_STATE_FILE || `${ARTIFACTS}${TARGET}-state.json`
mkdirSync(ARTIFACTS, { recursive: true })

export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
}

export const sha256hex = (buf) => createHash('sha256').update(buf).digest('hex')

// A new context + page that records uncaught page errors and console errors.
export async function newPage(browser, name, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 820 }, acceptDownloads: true, ...options })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  page.pageErrors = []
  page.on('pageerror', (e) => page.pageErrors.push(`${name}: ${e.message}`))
  page.on('console', (m) => {
    // The browser logs every non-2xx response; the tests cause many on purpose.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log(`  [${name} console.error] ${m.text()}`)
  })
  page.label = name
  return page
}

let shotNo = 0
export async function shot(page, name, opts = {}) {
  const file = `${ARTIFACTS}${TARGET}-${PHASE}-${String(++shotNo).padStart(2, '0')}-${name}.png`
  await page.screenshot({ path: file, fullPage: true, ...opts })
  return file
}

// expectNoAxeViolations runs axe-core (every rule but the experimental
// ones, every impact) on the page and fails with the rule ids and elements
// when anything is found.
export async function expectNoAxeViolations(page, screen) {
  const r = await new AxeBuilder({ page }).analyze()
  const found = r.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ')}`).join(' | ')}`,
  )
  assert.deepEqual(found, [], `${page.label}: axe violations on the ${screen} screen`)
}

// focused describes document.activeElement: its data-testid (or id, or tag)
// and the title of the to-do row it is in.
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement
    const row = el?.closest('[data-testid=todo-item]')
    return {
      testid: el?.getAttribute('data-testid') || el?.id || el?.tagName.toLowerCase() || '',
      row: row?.querySelector('[data-testid=todo-title]')?.textContent || '',
      visible: !!el && el !== document.body && el.getBoundingClientRect().width > 0,
    }
  })
}

// expectFocus asserts that the focused element has testid (in the row of
// to-do `row` when given) and is visible.
export async function expectFocus(page, testid, row, what = '') {
  let f
  for (let i = 0; i < 20; i++) {
    f = await focused(page)
    if (f.testid === testid && (row === undefined || f.row === row)) break
    await page.waitForTimeout(50)
  }
  assert.deepEqual(f, { testid, row: row === undefined ? f.row : row, visible: true }, `${page.label}: focus ${what}`)
}

// Runs the sign-in flow as `user` through the identity provider's page
// (faas dev's issuer: an input #username and a "Sign in" button).
export async function signIn(page, user, { screenshots = false, axe = false } = {}) {
  await page.goto(`${BASE_URL}/`)
  const button = page.getByTestId('signin-button')
  await button.waitFor()
  if (screenshots) await shot(page, 'signin')
  if (axe) await expectNoAxeViolations(page, 'sign-in')
  await button.click()
  const username = page.locator('#username')
  await username.waitFor()
  if (screenshots) await shot(page, 'issuer-login')
  if (axe) await expectNoAxeViolations(page, "issuer's sign-in")
  await username.fill(user)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByTestId('signed-in-as').waitFor()
  assert.equal(new URL(page.url()).origin, new URL(BASE_URL).origin, 'back on the app after sign-in')
  assert.ok(!/[?&](code|state)=/.test(page.url()), `code/state removed from the URL: ${page.url()}`)
  const who = await page.getByTestId('signed-in-as').innerText()
  assert.match(who, new RegExp(user, 'i'), `header names the user: ${who}`)
}

// storedUser returns the session's OIDC user as oidc-client-ts keeps it
// (sessionStorage "oidc.user:<issuer>:<client_id>") and its storage key.
export function storedUser(page) {
  return page.evaluate(() => {
    const key = Object.keys(sessionStorage).find((k) => k.startsWith('oidc.user:'))
    return key ? { key, user: JSON.parse(sessionStorage.getItem(key)) } : null
  })
}

// Calls the API from inside the page with the page's own token.
export function apiFetch(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const key = Object.keys(sessionStorage).find((k) => k.startsWith('oidc.user:'))
      const t = key ? JSON.parse(sessionStorage.getItem(key)) : null
      const headers = { Accept: 'application/json' }
      if (t) headers.Authorization = `Bearer ${t.access_token}`
      if (body !== undefined) headers['Content-Type'] = 'application/json'
      const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      const text = await res.text()
      let json = null
      try {
        json = text ? JSON.parse(text) : null
      } catch {}
      return { status: res.status, json, text: json ? '' : text.slice(0, 200) }
    },
    { method, path, body },
  )
}

export async function getStats(page) {
  const r = await apiFetch(page, 'GET', '/api/stats')
  assert.equal(r.status, 200, `GET /api/stats: ${JSON.stringify(r)}`)
  return r.json
}

// All of the user's to-dos (all pages) through the API.
export async function listAll(page, status = 'all') {
  const out = []
  let cursor = ''
  for (let i = 0; i < 100; i++) {
    const q = new URLSearchParams({ status, limit: '100' })
    if (cursor) q.set('cursor', cursor)
    const r = await apiFetch(page, 'GET', `/api/todos?${q}`)
    assert.equal(r.status, 200, `GET /api/todos: ${JSON.stringify(r)}`)
    out.push(...(r.json.items || []))
    cursor = r.json.next_cursor || ''
    if (!cursor) break
  }
  return out
}

export const item = (page, title) => page.getByTestId('todo-item').filter({ has: page.getByTestId('todo-title').getByText(title, { exact: true }) })

export async function titlesShown(page) {
  return page.getByTestId('todo-title').allInnerTexts()
}

// addTodo adds a to-do: by Enter in the title field, or by the Add button
// when it has notes or a due date. Focus must be back in the title field.
export async function addTodo(page, { title, notes = '', due = '' }) {
  await page.getByTestId('new-title').fill(title)
  if (notes || due) {
    if (!(await page.getByTestId('new-notes').isVisible())) await page.getByTestId('add-details-toggle').click()
    await page.getByTestId('new-notes').fill(notes)
    await page.getByTestId('new-due').fill(due)
    await page.getByTestId('add-button').click()
  } else {
    await page.getByTestId('new-title').press('Enter')
  }
  await item(page, title).waitFor()
  assert.equal(await page.getByTestId('new-title').inputValue(), '', 'input cleared after add')
  await expectFocus(page, 'new-title', undefined, 'back in the title field after Add')
}

export async function expand(page, title) {
  const it = item(page, title)
  if ((await it.getByTestId('todo-expand').getAttribute('aria-expanded')) !== 'true') {
    await it.getByTestId('todo-expand').click()
  }
  await it.getByTestId('attachments').waitFor()
  return it
}

export async function collapse(page, title) {
  const it = item(page, title)
  if ((await it.getByTestId('todo-expand').getAttribute('aria-expanded')) === 'true') {
    await it.getByTestId('todo-expand').click()
  }
}

// Waits until fn() returns a truthy value or the timeout passes; returns the
// last value (for the assertion message).
export async function poll(fn, timeoutMs, intervalMs = 250) {
  const end = Date.now() + timeoutMs
  let last
  for (;;) {
    last = await fn()
    if (last.ok || Date.now() > end) return last
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export async function expectStatsInUI(page, want, timeoutMs = STATS_TIMEOUT_MS) {
  const read = async () => {
    await page.getByTestId('stats-refresh').click()
    await page.waitForTimeout(150)
    const got = {}
    for (const k of ['created', 'completed', 'deleted']) got[k] = Number(await page.getByTestId(`stat-${k}`).innerText())
    return { ok: ['created', 'completed', 'deleted'].every((k) => got[k] === want[k]), got }
  }
  const r = await poll(read, timeoutMs, 400)
  assert.deepEqual(r.got, want, `${page.label}: statistics shown within ${timeoutMs} ms`)
}

export async function downloadAttachment(page, title, name) {
  const it = await expand(page, title)
  const att = it.getByTestId('attachment').filter({ has: page.getByTestId('attachment-name').getByText(name, { exact: true }) })
  const [download] = await Promise.all([page.waitForEvent('download'), att.getByTestId('attachment-download').click()])
  assert.equal(download.suggestedFilename(), name)
  const path = await download.path()
  return readFileSync(path)
}

export function noPageErrors(...pages) {
  const errs = pages.flatMap((p) => p.pageErrors || [])
  assert.deepEqual(errs, [], 'no uncaught errors in the pages')
}

// Registers sequential node:test tests that stop at the first failure (the
// rest are skipped) and screenshot every open page when one fails.
export function stepper(test, openPages) {
  let broken = null
  return (name, fn) =>
    test(name, async (t) => {
      if (broken) return t.skip(`"${broken}" failed`)
      try {
        await fn(t)
      } catch (e) {
        broken = name
        for (const p of openPages()) {
          if (p && !p.isClosed()) await shot(p, `FAILED-${p.label}`).catch(() => {})
        }
        throw e
      }
    })
}

export function isoDate(offsetDays) {
  const d = new Date()
  d.setDate(d.getDate() + offsetDays)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}
