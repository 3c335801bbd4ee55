// End-to-end scenario against a running app (E2E_BASE_URL): two users in two
// browser contexts add, edit, complete, delete to-dos and attach files; they
// never see each other's data; reloads keep everything; statistics add up.
// Writes what should survive a restart to STATE_FILE for after-restart.test.mjs.
//
//   E2E_BASE_URL=http://127.0.0.1:PORT node --test e2e/main.test.mjs

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import {
  BASE_URL, STATE_FILE, addTodo, apiFetch, collapse, downloadAttachment, expand, expectStatsInUI, getStats,
  isoDate, item, launch, listAll, newPage, noPageErrors, poll, setPhase, sha256hex, shot, signIn, stepper, titlesShown,
} from './helpers.mjs'

setPhase('main')
assert.ok(BASE_URL, 'set E2E_BASE_URL to the app, e.g. http://127.0.0.1:8080')

const tag = Date.now().toString(36).slice(-5)
const T = {
  a1: `Buy oat milk ${tag}`,
  a2: `Draft quarterly report ${tag}`,
  a2edited: `Draft Q3 report for finance ${tag}`,
  a3: `Plan trip to Lisbon ${tag}`,
  a4: `Call the dentist ${tag}`,
  b1: `Fix the bike ${tag}`,
  b2: `Read Dune ${tag}`,
  b3: `Water the plants ${tag}`,
}
const files = {
  itinerary: { name: 'itinerary.txt', mimeType: 'text/plain', buffer: Buffer.from(`Day 1: Alfama\nDay 2: Belém\n${tag}\n`) },
  photo: { name: 'photo.bin', mimeType: 'application/octet-stream', buffer: randomBytes(200 * 1024) },
  resume: { name: 'my résumé (final).txt', mimeType: 'text/plain', buffer: Buffer.from(`résumé ${tag}\n`) },
  receipt: { name: 'receipt.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(5000)]) },
}
const RESUME_SAFE = 'my resume _final_.txt'

let browser, alice, bob, phone
const ids = {}
let statsA0, statsB0
const step = stepper(test, () => [alice, bob, phone])

before(async () => {
  browser = await launch()
  alice = await newPage(browser, 'alice')
  bob = await newPage(browser, 'bob')
})
after(async () => {
  await browser?.close()
})

const tagged = async (page) => (await titlesShown(page)).filter((t) => t.endsWith(tag))

step('alice and bob sign in (OIDC code flow + PKCE) in separate browser contexts', async () => {
  await signIn(alice, 'alice', { screenshots: true })
  await signIn(bob, 'bob')
  const meA = await apiFetch(alice, 'GET', '/api/me')
  const meB = await apiFetch(bob, 'GET', '/api/me')
  assert.equal(meA.status, 200)
  assert.equal(meB.status, 200)
  assert.notEqual(meA.json.id, meB.json.id, 'different users')
  statsA0 = await getStats(alice)
  statsB0 = await getStats(bob)
  await shot(alice, 'signed-in-empty')
})

step("the API's validation errors are shown with their field", async () => {
  await alice.getByTestId('new-title').fill('')
  await alice.getByTestId('add-button').click()
  const err = alice.getByTestId('add-form').getByTestId('error')
  await err.waitFor()
  assert.match(await err.innerText(), /title/i)
  assert.match(await alice.getByTestId('new-title').getAttribute('class'), /invalid/)
  await shot(alice, 'validation-error')
  await alice.getByTestId('new-title').fill('x'.repeat(201))
  await alice.getByTestId('add-button').click()
  await alice.waitForTimeout(300)
  assert.match(await err.innerText(), /title/i, 'too long title is rejected')
  assert.equal((await listAll(alice)).filter((t) => t.title.startsWith('xxxx')).length, 0)
})

step('each adds to-dos (newest first)', async () => {
  await addTodo(alice, { title: T.a1, notes: 'The barista one', due: isoDate(1) })
  assert.equal(await alice.getByTestId('add-form').getByTestId('error').count(), 0, 'error cleared after a good add')
  await addTodo(bob, { title: T.b1 })
  await addTodo(alice, { title: T.a2 })
  await addTodo(bob, { title: T.b2, notes: 'Before the film' })
  await addTodo(alice, { title: T.a3, notes: 'Book flights\nFind a hotel', due: isoDate(14) })
  await addTodo(bob, { title: T.b3, due: isoDate(0) })
  await addTodo(alice, { title: T.a4, due: isoDate(-1) })
  assert.deepEqual(await tagged(alice), [T.a4, T.a3, T.a2, T.a1])
  assert.deepEqual(await tagged(bob), [T.b3, T.b2, T.b1])
  assert.match(await item(alice, T.a4).getByTestId('todo-due').innerText(), /overdue/i)
  assert.match(await item(alice, T.a1).getByTestId('todo-due').innerText(), /tomorrow/i)
  for (const t of await listAll(alice)) for (const [k, v] of Object.entries(T)) if (t.title === v) ids[k] = t.id
  for (const t of await listAll(bob)) for (const [k, v] of Object.entries(T)) if (t.title === v) ids[k] = t.id
  for (const k of ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']) assert.ok(ids[k], `id of ${k}`)
  await shot(alice, 'added')
})

step('edit title, notes and due; invalid edits show the error', async () => {
  const it = await expand(alice, T.a2)
  await it.getByTestId('todo-edit').click()
  await it.getByTestId('edit-title').fill('')
  await it.getByTestId('edit-save').click()
  const err = it.getByTestId('edit-form').getByTestId('error')
  await err.waitFor()
  assert.match(await err.innerText(), /title/i)
  await shot(alice, 'edit-error')
  await it.getByTestId('edit-title').fill(T.a2edited)
  await it.getByTestId('edit-notes').fill('Numbers from finance\nCharts')
  await it.getByTestId('edit-due').fill(isoDate(7))
  await it.getByTestId('edit-save').click()
  const edited = item(alice, T.a2edited)
  await edited.getByTestId('todo-notes').waitFor()
  assert.equal(await edited.getByTestId('todo-notes').innerText(), 'Numbers from finance\nCharts')
  assert.equal(await edited.getByTestId('todo-due').getAttribute('data-due'), isoDate(7))
  await shot(alice, 'edited')
  await collapse(alice, T.a2edited)

  const b = await expand(bob, T.b2)
  await b.getByTestId('todo-edit').click()
  await b.getByTestId('edit-notes').fill('Before the film comes out')
  await b.getByTestId('edit-save').click()
  await b.getByTestId('todo-notes').getByText('Before the film comes out').waitFor()
  await collapse(bob, T.b2)
  const r = await apiFetch(bob, 'GET', `/api/todos/${ids.b2}`)
  assert.equal(r.json.notes, 'Before the film comes out')
})

step('concurrent edits: non-overlapping changes merge, overlapping ones ask again', async () => {
  let it = await expand(alice, T.a4)
  await it.getByTestId('todo-edit').click()
  await it.getByTestId('edit-notes').fill('Ask about the bill')
  let r = await apiFetch(alice, 'PATCH', `/api/todos/${ids.a4}`, { title: `${T.a4} (API)` })
  assert.equal(r.status, 200, JSON.stringify(r))
  await it.getByTestId('edit-save').click()
  it = item(alice, `${T.a4} (API)`)
  await it.getByTestId('todo-notes').getByText('Ask about the bill').waitFor()

  await it.getByTestId('todo-edit').click()
  await it.getByTestId('edit-title').fill(T.a4)
  r = await apiFetch(alice, 'PATCH', `/api/todos/${ids.a4}`, { title: `${T.a4} (again)` })
  assert.equal(r.status, 200, JSON.stringify(r))
  await it.getByTestId('edit-save').click()
  it = item(alice, `${T.a4} (again)`)
  await it.getByTestId('edit-notice').waitFor()
  await shot(alice, 'edit-conflict')
  await it.getByTestId('edit-save').click()
  await item(alice, T.a4).getByTestId('todo-edit').waitFor()
  r = await apiFetch(alice, 'GET', `/api/todos/${ids.a4}`)
  assert.equal(r.json.title, T.a4)
  assert.equal(r.json.notes, 'Ask about the bill')
  await collapse(alice, T.a4)
})

step('complete with the checkbox; filter All / Open / Done', async () => {
  await item(alice, T.a1).getByTestId('todo-done').check()
  await item(bob, T.b1).getByTestId('todo-done').check()
  const done = async (page, id) => {
    const r = await apiFetch(page, 'GET', `/api/todos/${id}`)
    return { ok: r.json?.done === true && !!r.json?.completed_at, r }
  }
  let d = await poll(() => done(alice, ids.a1), 5000)
  assert.ok(d.ok, `a1 done with completed_at: ${JSON.stringify(d.r)}`)
  d = await poll(() => done(bob, ids.b1), 5000)
  assert.ok(d.ok, `b1 done: ${JSON.stringify(d.r)}`)

  await alice.getByTestId('filter-open').click()
  await item(alice, T.a1).waitFor({ state: 'detached' })
  assert.deepEqual(await tagged(alice), [T.a4, T.a3, T.a2edited])
  await alice.getByTestId('filter-done').click()
  await item(alice, T.a3).waitFor({ state: 'detached' })
  assert.deepEqual(await tagged(alice), [T.a1])
  await shot(alice, 'filter-done')
  await alice.reload()
  await item(alice, T.a1).waitFor()
  assert.equal(await alice.getByTestId('filter-done').getAttribute('aria-selected'), 'true', 'filter kept on reload')
  await alice.getByTestId('filter-all').click()
  await item(alice, T.a3).waitFor()
  assert.deepEqual(await tagged(alice), [T.a4, T.a3, T.a2edited, T.a1])
  assert.equal(await item(alice, T.a1).getByTestId('todo-done').isChecked(), true)
})

step('attachments: upload, list, download (same bytes), remove', async () => {
  const it = await expand(alice, T.a3)
  await it.getByTestId('no-attachments').waitFor()
  await it.getByTestId('attachment-input').setInputFiles([files.itinerary, files.photo])
  await it.locator(`[data-testid=attachment][data-name="photo.bin"]`).waitFor()
  await it.locator(`[data-testid=attachment][data-name="itinerary.txt"]`).waitFor()
  await it.getByTestId('attachment-input').setInputFiles([files.resume])
  await it.locator(`[data-testid=attachment][data-name="${RESUME_SAFE}"]`).waitFor()
  await shot(alice, 'attachments')
  assert.deepEqual(await downloadAttachment(alice, T.a3, 'itinerary.txt'), files.itinerary.buffer)
  assert.deepEqual(await downloadAttachment(alice, T.a3, 'photo.bin'), files.photo.buffer)
  assert.deepEqual(await downloadAttachment(alice, T.a3, RESUME_SAFE), files.resume.buffer)

  await it.locator(`[data-testid=attachment][data-name="photo.bin"]`).getByTestId('attachment-delete').click()
  await it.locator(`[data-testid=attachment][data-name="photo.bin"]`).waitFor({ state: 'detached' })
  const r = await apiFetch(alice, 'GET', `/api/todos/${ids.a3}/attachments`)
  assert.deepEqual(r.json.items.map((a) => a.name).sort(), ['itinerary.txt', RESUME_SAFE].sort())
  const txt = r.json.items.find((a) => a.name === 'itinerary.txt')
  assert.equal(txt.size, files.itinerary.buffer.length)
  assert.match(txt.content_type, /^text\/plain/)

  // Too large: refused in the browser before uploading.
  await it.getByTestId('attachment-input').setInputFiles([
    { name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) },
  ])
  await it.getByTestId('attachments').getByTestId('error').getByText(/10 MiB/).waitFor()
  await collapse(alice, T.a3)

  const b = await expand(bob, T.b2)
  await b.getByTestId('attachment-input').setInputFiles([files.receipt])
  await b.locator('[data-testid=attachment][data-name="receipt.pdf"]').waitFor()
  assert.deepEqual(await downloadAttachment(bob, T.b2, 'receipt.pdf'), files.receipt.buffer)
  await collapse(bob, T.b2)
})

step('delete to-dos (with confirmation)', async () => {
  let it = await expand(alice, T.a2edited)
  await it.getByTestId('todo-delete').click()
  await shot(alice, 'delete-confirm')
  await it.getByTestId('todo-delete-confirm').click()
  await it.waitFor({ state: 'detached' })
  it = await expand(bob, T.b3)
  await it.getByTestId('todo-delete').click()
  await it.getByTestId('todo-delete-confirm').click()
  await it.waitFor({ state: 'detached' })
  assert.equal((await apiFetch(alice, 'GET', `/api/todos/${ids.a2}`)).status, 404)
  assert.equal((await apiFetch(bob, 'GET', `/api/todos/${ids.b3}`)).status, 404)
  assert.deepEqual(await tagged(alice), [T.a4, T.a3, T.a1])
  assert.deepEqual(await tagged(bob), [T.b2, T.b1])
})

step("neither user ever sees the other's data", async () => {
  const aliceTitles = [T.a1, T.a2, T.a2edited, T.a3, T.a4]
  const bobTitles = [T.b1, T.b2, T.b3]
  for (const t of await titlesShown(bob)) assert.ok(!aliceTitles.includes(t), `bob sees ${t}`)
  for (const t of await titlesShown(alice)) assert.ok(!bobTitles.includes(t), `alice sees ${t}`)
  const bobIds = new Set((await listAll(bob)).map((t) => t.id))
  const aliceIds = new Set((await listAll(alice)).map((t) => t.id))
  for (const id of aliceIds) assert.ok(!bobIds.has(id), 'disjoint id sets')

  const probes = [
    ['GET', `/api/todos/${ids.a3}`],
    ['PATCH', `/api/todos/${ids.a3}`, { title: 'hijacked' }],
    ['GET', `/api/todos/${ids.a3}/attachments`],
    ['GET', `/api/todos/${ids.a3}/attachments/itinerary.txt`],
    ['DELETE', `/api/todos/${ids.a3}/attachments/itinerary.txt`],
    ['DELETE', `/api/todos/${ids.a3}`],
  ]
  for (const [m, p, body] of probes) {
    const r = await apiFetch(bob, m, p, body)
    assert.equal(r.status, 404, `bob ${m} ${p} -> ${r.status} ${JSON.stringify(r.json)}`)
    assert.equal(r.json?.error?.code, 'not_found', `bob ${m} ${p}: error.code`)
  }
  const r = await apiFetch(alice, 'GET', `/api/todos/${ids.b2}`)
  assert.equal(r.status, 404)
  const mine = await apiFetch(alice, 'GET', `/api/todos/${ids.a3}`)
  assert.equal(mine.json.title, T.a3, 'alice still has her to-do unchanged')
  const atts = await apiFetch(alice, 'GET', `/api/todos/${ids.a3}/attachments`)
  assert.equal(atts.json.items.length, 2, "alice's attachments untouched")
})

step('a reload keeps the session and the data', async () => {
  for (const [page, want] of [
    [alice, [T.a4, T.a3, T.a1]],
    [bob, [T.b2, T.b1]],
  ]) {
    await page.reload()
    await page.getByTestId('signed-in-as').waitFor()
    await item(page, want[0]).waitFor()
    assert.deepEqual(await tagged(page), want)
    assert.equal(await page.getByTestId('signin-button').count(), 0)
  }
  assert.equal(await item(alice, T.a1).getByTestId('todo-done').isChecked(), true)
  assert.equal(await item(alice, T.a3).getByTestId('todo-due').getAttribute('data-due'), isoDate(14))
  const it = await expand(alice, T.a3)
  await it.locator(`[data-testid=attachment][data-name="itinerary.txt"]`).waitFor()
  await shot(alice, 'after-reload')
  await collapse(alice, T.a3)
})

step('statistics show the right numbers (eventually consistent)', async () => {
  const wantA = { created: statsA0.created + 4, completed: statsA0.completed + 1, deleted: statsA0.deleted + 1 }
  const wantB = { created: statsB0.created + 3, completed: statsB0.completed + 1, deleted: statsB0.deleted + 1 }
  await expectStatsInUI(alice, wantA)
  await expectStatsInUI(bob, wantB)
  await shot(alice, 'stats')
  await shot(bob, 'bob-list')
})

step('the attachment list on the to-do catches up (asynchronous blob events)', async () => {
  const want = ['itinerary.txt', RESUME_SAFE].sort()
  let got
  const end = Date.now() + 10_000
  do {
    const r = await apiFetch(alice, 'GET', `/api/todos/${ids.a3}`)
    got = (r.json.attachments || []).map((a) => a.name).sort()
    if (JSON.stringify(got) === JSON.stringify(want)) break
    await alice.waitForTimeout(300)
  } while (Date.now() < end)
  assert.deepEqual(got, want, 'Todo.attachments of a3')
})

step('"load more" pages with the cursor', async () => {
  await alice.goto(`${BASE_URL}/?page_size=2`)
  await alice.getByTestId('load-more').waitFor()
  assert.equal(await alice.getByTestId('todo-item').count(), 2)
  for (let i = 0; i < 50 && (await alice.getByTestId('load-more').count()); i++) {
    const n = await alice.getByTestId('todo-item').count()
    await alice.getByTestId('load-more').click()
    await alice.waitForFunction((n) => document.querySelectorAll('[data-testid=todo-item]').length > n
      || !document.querySelector('[data-testid=load-more]'), n)
  }
  assert.deepEqual(await tagged(alice), [T.a4, T.a3, T.a1])
  const all = await titlesShown(alice)
  assert.equal(new Set(all).size, all.length, 'no duplicates')
  assert.equal(all.length, (await listAll(alice)).length, 'every to-do reached')
  await shot(alice, 'load-more')
})

step('a 401 from the API goes back to the sign-in screen', async () => {
  await alice.goto(`${BASE_URL}/`)
  await item(alice, T.a3).waitFor()
  await alice.evaluate(() =>
    sessionStorage.setItem('todo.auth.token', JSON.stringify({ access_token: 'not-a-valid-token' })),
  )
  await alice.getByTestId('stats-refresh').click()
  await alice.getByTestId('signin-button').waitFor()
  assert.match(await alice.getByTestId('auth-error').innerText(), /sign in again/i)
  await shot(alice, 'session-expired')
  await signIn(alice, 'alice')
  await item(alice, T.a3).waitFor()
})

step('sign out', async () => {
  await bob.getByTestId('signout-button').click()
  await bob.getByTestId('signin-button').waitFor()
  await bob.reload()
  await bob.getByTestId('signin-button').waitFor()
  assert.equal(await bob.getByTestId('signed-in-as').count(), 0)
  await signIn(bob, 'bob')
  await item(bob, T.b2).waitFor()
  assert.deepEqual(await tagged(bob), [T.b2, T.b1])
})

step('phone width (375x740) is usable', async () => {
  phone = await newPage(browser, 'phone', {
    viewport: { width: 375, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  })
  await signIn(phone, 'alice')
  await item(phone, T.a3).waitFor()
  await shot(phone, 'phone-list', { fullPage: false })
  const it = await expand(phone, T.a3)
  await it.locator(`[data-testid=attachment][data-name="itinerary.txt"]`).waitFor()
  await it.getByTestId('todo-edit').click()
  await it.getByTestId('edit-title').waitFor()
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`)
  await shot(phone, 'phone-edit')
  await it.getByTestId('edit-cancel').click()
  await phone.getByTestId('new-title').fill('')
  await phone.getByTestId('add-button').click()
  await phone.getByTestId('add-form').getByTestId('error').waitFor()
  await shot(phone, 'phone-error', { fullPage: false })
  await phone.emulateMedia({ colorScheme: 'dark' })
  await phone.waitForTimeout(400) // let the colour transitions finish
  await shot(phone, 'phone-dark', { fullPage: false })
})

step('no uncaught errors in any page; save the state for after-restart', async () => {
  noPageErrors(alice, bob, phone)
  const statsA = await getStats(alice)
  const statsB = await getStats(bob)
  const a3 = await apiFetch(alice, 'GET', `/api/todos/${ids.a3}`)
  const state = {
    tag,
    base_url: BASE_URL,
    alice: {
      todos: [
        { id: ids.a4, title: T.a4, done: false, notes: 'Ask about the bill' },
        { id: ids.a3, title: T.a3, done: false, due: isoDate(14), revision: a3.json.revision },
        { id: ids.a1, title: T.a1, done: true },
      ],
      deleted: [ids.a2],
      attachments: {
        [ids.a3]: {
          'itinerary.txt': sha256hex(files.itinerary.buffer),
          [RESUME_SAFE]: sha256hex(files.resume.buffer),
        },
      },
      stats: statsA,
    },
    bob: {
      todos: [
        { id: ids.b2, title: T.b2, done: false, notes: 'Before the film comes out' },
        { id: ids.b1, title: T.b1, done: true },
      ],
      deleted: [ids.b3],
      attachments: { [ids.b2]: { 'receipt.pdf': sha256hex(files.receipt.buffer) } },
      stats: statsB,
    },
  }
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2))
})
