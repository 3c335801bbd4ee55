// End-to-end scenario against a running app (E2E_BASE_URL): two users in two
// browser contexts add, edit, complete, delete to-dos and attach files; they
// never see each other's data; reloads keep everything; statistics add up.
// Every screen is scanned with axe-core (0 violations of any impact, light
// and dark, desktop and 375 px), focus is asserted after every action, and
// carol checks the TodoMVC features (items left, toggle all, clear completed).
// Writes what should survive a restart to STATE_FILE for after-restart.test.mjs.
//
//   E2E_BASE_URL=http://127.0.0.1:PORT node --test e2e/main.test.mjs

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import {
  BASE_URL, STATE_FILE, addTodo, apiFetch, collapse, downloadAttachment, expand, expectFocus, expectNoAxeViolations,
  expectStatsInUI, getStats, isoDate, item, launch, listAll, newPage, noPageErrors, poll, setPhase, sha256hex, shot,
  signIn, stepper, storedUser, titlesShown,
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
  report: { name: 'Q3 report - final_v2.txt', mimeType: 'text/plain', buffer: Buffer.from(`numbers ${tag}\n`) },
  receipt: { name: 'receipt.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(5000)]) },
}
const RESUME_SAFE = 'my resume _final_.txt'

let browser, alice, bob, carol, phone
const ids = {}
let statsA0, statsB0
const step = stepper(test, () => [alice, bob, carol, phone])
// Every 409 the app's own requests get (own edits must never conflict).
const conflicts = []

before(async () => {
  browser = await launch()
  alice = await newPage(browser, 'alice')
  bob = await newPage(browser, 'bob')
  alice.on('response', (r) => r.status() === 409 && conflicts.push(`${r.request().method()} ${r.url()}`))
})
after(async () => {
  await browser?.close()
})

const tagged = async (page) => (await titlesShown(page)).filter((t) => t.endsWith(tag))

step('alice and bob sign in (OIDC code flow + PKCE) in separate browser contexts', async () => {
  await signIn(alice, 'alice', { screenshots: true, axe: true })
  await signIn(bob, 'bob')
  const meA = await apiFetch(alice, 'GET', '/api/me')
  const meB = await apiFetch(bob, 'GET', '/api/me')
  assert.equal(meA.status, 200)
  assert.equal(meB.status, 200)
  assert.notEqual(meA.json.id, meB.json.id, 'different users')
  statsA0 = await getStats(alice)
  statsB0 = await getStats(bob)
  await expectFocus(alice, 'new-title', undefined, 'in the new to-do field on arrival')
  await shot(alice, 'signed-in-empty')
  await expectNoAxeViolations(alice, 'list')
})

step('errors: a plain sentence tied to the field, cleared on edit; 200 characters at most', async () => {
  const title = alice.getByTestId('new-title')
  await title.fill('')
  await alice.getByTestId('add-button').click()
  const err = alice.getByTestId('add-form').getByTestId('error')
  await err.waitFor()
  assert.equal(await err.innerText(), 'Enter a title for the to-do.')
  assert.equal(await title.getAttribute('aria-invalid'), 'true')
  assert.match(await title.getAttribute('aria-describedby'), /\badd-error\b/)
  assert.equal(await err.getAttribute('id'), 'add-error')
  await expectFocus(alice, 'new-title', undefined, 'on the invalid field')
  await shot(alice, 'validation-error')
  await expectNoAxeViolations(alice, 'validation error')
  await title.pressSequentially('x')
  assert.equal(await err.count(), 0, 'the error goes once the field is edited')
  assert.equal(await title.getAttribute('aria-invalid'), null)
  await title.fill('x'.repeat(250))
  assert.equal((await title.inputValue()).length, 200, 'maxlength=200')
  assert.equal(await title.getAttribute('maxlength'), '200')
  assert.match(await alice.getByTestId('new-title-count').innerText(), /^200\/200/)
  await title.fill('')
  assert.match(await alice.getByTestId('new-title-count').innerText(), /^0\/200/)
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

step('edit by keyboard: focus moves to the title, Escape cancels, Save returns to Edit', async () => {
  const it = await expand(alice, T.a2)
  await it.getByTestId('todo-edit').focus()
  await alice.keyboard.press('Enter')
  await it.getByTestId('edit-form').waitFor()
  await expectFocus(alice, 'edit-title', T.a2, 'on the title field after Enter on Edit')
  await expectNoAxeViolations(alice, 'edit')
  await alice.keyboard.press('Escape')
  await it.getByTestId('edit-form').waitFor({ state: 'detached' })
  await expectFocus(alice, 'todo-edit', T.a2, 'back on Edit after Escape')
  await alice.keyboard.press('Enter')
  await it.getByTestId('edit-cancel').click()
  await expectFocus(alice, 'todo-edit', T.a2, 'back on Edit after Cancel')
  await alice.keyboard.press('Enter')
  await it.getByTestId('edit-title').fill('')
  await it.getByTestId('edit-save').click()
  const err = it.getByTestId('edit-form').getByTestId('error')
  await err.waitFor()
  assert.equal(await err.innerText(), 'Enter a title for the to-do.')
  assert.equal(await it.getByTestId('edit-title').getAttribute('aria-invalid'), 'true')
  await expectFocus(alice, 'edit-title', T.a2, 'on the invalid title')
  await shot(alice, 'edit-error')
  await it.getByTestId('edit-title').fill(T.a2edited)
  assert.equal(await err.count(), 0, 'the error goes once the title is edited')
  await it.getByTestId('edit-notes').fill('Numbers from finance\nCharts')
  await it.getByTestId('edit-due').fill(isoDate(7))
  await it.getByTestId('edit-save').click()
  const edited = item(alice, T.a2edited)
  await edited.getByTestId('todo-notes').waitFor()
  await expectFocus(alice, 'todo-edit', T.a2edited, 'back on Edit after Save')
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

step('inline edit: Enter on the title or double-click; Enter saves, Escape cancels', async () => {
  const it = item(alice, T.a3)
  await it.getByTestId('todo-title-button').focus()
  await alice.keyboard.press('Enter')
  await expectFocus(alice, 'inline-title', undefined, 'in the inline title field after Enter on the title')
  await alice.keyboard.type(' (edited)')
  await alice.keyboard.press('Escape')
  await expectFocus(alice, 'todo-title-button', T.a3, 'back on the title after Escape')
  assert.equal((await apiFetch(alice, 'GET', `/api/todos/${ids.a3}`)).json.title, T.a3, 'Escape saved nothing')
  await it.getByTestId('todo-title').dblclick()
  await expectFocus(alice, 'inline-title', undefined, 'in the inline title field after a double-click')
  await alice.keyboard.press('End')
  await alice.keyboard.type(' now')
  await alice.keyboard.press('Enter')
  await expectFocus(alice, 'todo-title-button', `${T.a3} now`, 'back on the title after Enter')
  const r = await apiFetch(alice, 'GET', `/api/todos/${ids.a3}`)
  assert.equal(r.json.title, `${T.a3} now`)
  // and back, by keyboard alone
  await alice.keyboard.press('Enter')
  await alice.getByTestId('inline-title').fill(T.a3)
  await alice.keyboard.press('Enter')
  await expectFocus(alice, 'todo-title-button', T.a3, 'back on the title')
  await collapse(alice, T.a3)
})

step('complete with the checkbox (Space keeps focus); filters are pressed buttons kept in the URL (reload, Back)', async () => {
  await item(alice, T.a1).getByTestId('todo-done').focus()
  await alice.keyboard.press('Space')
  await poll(async () => ({ ok: await item(alice, T.a1).getByTestId('todo-done').isChecked() }), 5000)
  await expectFocus(alice, 'todo-done', T.a1, 'on the checkbox after Space')
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
  assert.equal(await alice.getByTestId('filter-open').getAttribute('aria-pressed'), 'true')
  assert.equal(await alice.getByTestId('filter-all').getAttribute('aria-pressed'), 'false')
  await expectFocus(alice, 'filter-open', undefined, 'on the filter')
  await alice.getByTestId('filter-done').click()
  await item(alice, T.a4).waitFor({ state: 'detached' })
  assert.deepEqual(await tagged(alice), [T.a1])
  assert.match(alice.url(), /[?&]status=done\b/)
  await shot(alice, 'filter-done')
  await expectNoAxeViolations(alice, 'Done filter')
  await alice.reload()
  await item(alice, T.a1).waitFor()
  assert.equal(await alice.getByTestId('filter-done').getAttribute('aria-pressed'), 'true', 'filter kept on reload')
  await alice.goBack()
  await item(alice, T.a4).waitFor()
  assert.equal(await alice.getByTestId('filter-open').getAttribute('aria-pressed'), 'true', 'Back returns to the Open filter')
  await alice.goForward()
  await item(alice, T.a4).waitFor({ state: 'detached' })
  assert.equal(await alice.getByTestId('filter-done').getAttribute('aria-pressed'), 'true', 'Forward to Done again')
  await alice.getByTestId('filter-all').click()
  await item(alice, T.a3).waitFor()
  assert.ok(!/status=/.test(alice.url()), `All has no status in the URL: ${alice.url()}`)
  // The open to-do is in the URL too.
  await expand(alice, T.a4)
  assert.match(alice.url(), new RegExp(`[?&]todo=${ids.a4}\\b`))
  await alice.reload()
  await item(alice, T.a4).getByTestId('attachments').waitFor()
  assert.equal(await item(alice, T.a4).getByTestId('todo-expand').getAttribute('aria-expanded'), 'true', 'open to-do kept on reload')
  await alice.goBack()
  await item(alice, T.a4).getByTestId('attachments').waitFor({ state: 'detached' })
  await alice.goForward()
  await item(alice, T.a4).getByTestId('attachments').waitFor()
  await collapse(alice, T.a4)
  assert.deepEqual(await tagged(alice), [T.a4, T.a3, T.a2edited, T.a1])
  assert.equal(await item(alice, T.a1).getByTestId('todo-done').isChecked(), true)
})

step('attachments: upload, list, download (same bytes), remove', async () => {
  conflicts.length = 0 // the step before made some on purpose
  const it = await expand(alice, T.a3)
  await it.getByTestId('no-attachments').waitFor()
  await it.getByTestId('attachment-input').setInputFiles([files.itinerary, files.photo])
  await it.locator(`[data-testid=attachment][data-name="photo.bin"]`).waitFor()
  await it.locator(`[data-testid=attachment][data-name="itinerary.txt"]`).waitFor()
  await it.getByTestId('attachment-input').setInputFiles([files.resume, files.report])
  await it.locator(`[data-testid=attachment][data-name="${RESUME_SAFE}"]`).waitFor()
  await it.locator(`[data-testid=attachment][data-name="${files.report.name}"]`).waitFor()
  assert.equal(
    await it.getByTestId('attachment-notice').innerText(),
    `“${files.resume.name}” was saved as “${RESUME_SAFE}”: file names can contain only letters A–Z, digits, spaces, dots, dashes and underscores.`,
    'a changed name is said; a name the API accepts is kept as it is',
  )
  await expectFocus(alice, 'attachment-input', T.a3, 'on the file input after an upload')
  // An edit right after the uploads must not conflict with them.
  await it.getByTestId('todo-edit').click()
  await it.getByTestId('edit-notes').fill('Book flights\nFind a hotel\nPack')
  await it.getByTestId('edit-save').click()
  await it.getByTestId('todo-notes').getByText('Pack').waitFor()
  await shot(alice, 'attachments')
  await expectNoAxeViolations(alice, 'attachments')
  assert.deepEqual(await downloadAttachment(alice, T.a3, 'itinerary.txt'), files.itinerary.buffer)
  assert.deepEqual(await downloadAttachment(alice, T.a3, 'photo.bin'), files.photo.buffer)
  assert.deepEqual(await downloadAttachment(alice, T.a3, RESUME_SAFE), files.resume.buffer)

  await it.locator(`[data-testid=attachment][data-name="${files.report.name}"]`).getByTestId('attachment-delete').click()
  await it.locator(`[data-testid=attachment][data-name="${files.report.name}"]`).waitFor({ state: 'detached' })
  await it.locator(`[data-testid=attachment][data-name="photo.bin"]`).getByTestId('attachment-delete').focus()
  await alice.keyboard.press('Enter')
  await it.locator(`[data-testid=attachment][data-name="photo.bin"]`).waitFor({ state: 'detached' })
  await expectFocus(alice, 'attachment-delete', T.a3, 'on the next Remove after removing a file')
  const r = await apiFetch(alice, 'GET', `/api/todos/${ids.a3}/attachments`)
  assert.deepEqual(r.json.items.map((a) => a.name).sort(), ['itinerary.txt', RESUME_SAFE].sort())
  const txt = r.json.items.find((a) => a.name === 'itinerary.txt')
  assert.equal(txt.size, files.itinerary.buffer.length)
  assert.match(txt.content_type, /^text\/plain/)

  // Too large: refused in the browser before uploading.
  await it.getByTestId('attachment-input').setInputFiles([
    { name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) },
  ])
  await it.getByTestId('attachments').getByTestId('error').getByText('“huge.bin” is 10.0 MiB, but the limit is 10 MiB.').waitFor()
  assert.deepEqual(conflicts, [], 'no 409 from own edits')
  await collapse(alice, T.a3)

  const b = await expand(bob, T.b2)
  await b.getByTestId('attachment-input').setInputFiles([files.receipt])
  await b.locator('[data-testid=attachment][data-name="receipt.pdf"]').waitFor()
  assert.deepEqual(await downloadAttachment(bob, T.b2, 'receipt.pdf'), files.receipt.buffer)
  await collapse(bob, T.b2)
})

step('delete to-dos (with confirmation): focus on "Yes, delete", then on the next row', async () => {
  let it = await expand(alice, T.a2edited)
  await it.getByTestId('todo-delete').focus()
  await alice.keyboard.press('Enter')
  await expectFocus(alice, 'todo-delete-confirm', T.a2edited, 'on "Yes, delete"')
  await shot(alice, 'delete-confirm')
  await expectNoAxeViolations(alice, 'delete confirmation')
  await alice.keyboard.press('Escape')
  await expectFocus(alice, 'todo-delete', T.a2edited, 'back on Delete after Escape')
  await alice.keyboard.press('Enter')
  await alice.keyboard.press('Enter')
  await it.waitFor({ state: 'detached' })
  await expectFocus(alice, 'todo-title-button', T.a1, 'on the next row after deleting')
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

step('an expired or refused access token is renewed with the refresh token', async () => {
  await alice.goto(`${BASE_URL}/`)
  await item(alice, T.a3).waitFor()
  const before = await storedUser(alice)
  assert.ok(before?.user?.refresh_token, 'the code grant gave a refresh token')
  await alice.evaluate(({ key, user }) => sessionStorage.setItem(key, JSON.stringify({ ...user, expires_at: 1 })), before)
  await alice.reload()
  await item(alice, T.a3).waitFor()
  let after = await storedUser(alice)
  assert.notEqual(after.user.access_token, before.user.access_token, 'a new access token after an expired one')
  assert.ok(after.user.expires_at > Date.now() / 1000)
  await alice.evaluate(({ key, user }) => sessionStorage.setItem(key, JSON.stringify({ ...user, access_token: 'not-a-valid-token' })), after)
  await alice.getByTestId('stats-refresh').click()
  await poll(async () => ({ ok: (await storedUser(alice)).user.access_token !== 'not-a-valid-token' }), 5000)
  assert.equal(await alice.getByTestId('signin-button').count(), 0, 'still signed in after a refused token was renewed')
})

step('a 401 that cannot be renewed goes back to the sign-in screen', async () => {
  const u = await storedUser(alice)
  await alice.evaluate(({ key, user }) => {
    const { refresh_token, ...rest } = user
    sessionStorage.setItem(key, JSON.stringify({ ...rest, access_token: 'not-a-valid-token' }))
  }, u)
  await alice.getByTestId('stats-refresh').click()
  await alice.getByTestId('signin-button').waitFor()
  assert.match(await alice.getByTestId('auth-error').innerText(), /sign in again/i)
  await shot(alice, 'session-expired')
  await expectNoAxeViolations(alice, 'session expired')
  await signIn(alice, 'alice')
  await item(alice, T.a3).waitFor()
})

step("sign out (through the issuer's end-session endpoint)", async () => {
  const ends = []
  bob.on('request', (r) => r.url().includes('/logout') && ends.push(r.url()))
  await bob.getByTestId('signout-button').click()
  await bob.getByTestId('signin-button').waitFor()
  assert.equal(ends.length, 1, `one end-session request: ${ends}`)
  assert.match(ends[0], /[?&]id_token_hint=/)
  assert.equal(new URL(bob.url()).search, '', 'back on the app without the state in the URL')
  assert.equal(await storedUser(bob), null, 'no tokens left')
  await bob.reload()
  await bob.getByTestId('signin-button').waitFor()
  assert.equal(await bob.getByTestId('signed-in-as').count(), 0)
  await signIn(bob, 'bob')
  await item(bob, T.b2).waitFor()
  assert.deepEqual(await tagged(bob), [T.b2, T.b1])
})

step('TodoMVC: n items left, toggle all, clear completed, helpful empty state (carol)', async () => {
  carol = await newPage(browser, 'carol')
  await signIn(carol, 'carol')
  await carol.getByTestId('empty').waitFor()
  assert.match(await carol.getByTestId('empty').innerText(), /Nothing to do yet\s+Type a to-do in the field above and press Enter/)
  await shot(carol, 'empty-state')
  await expectNoAxeViolations(carol, 'empty list')
  assert.equal(await carol.getByTestId('toggle-all').count(), 0, 'no toggle-all without to-dos')
  const C = [`Carol one ${tag}`, `Carol two ${tag}`, `Carol three ${tag}`]
  for (const t of C) await addTodo(carol, { title: t })
  const left = carol.getByTestId('items-left')
  await left.getByText('3 items left').waitFor()
  // Ticking a row in the Open view moves it out, and focus to the next row.
  await carol.getByTestId('filter-open').click()
  await item(carol, C[1]).getByTestId('todo-done').focus()
  await carol.keyboard.press('Space')
  await item(carol, C[1]).waitFor({ state: 'detached' })
  await expectFocus(carol, 'todo-done', C[0], "on the next row's checkbox when the row leaves the view")
  await left.getByText('2 items left').waitFor()
  await carol.getByTestId('filter-all').click()
  await item(carol, C[1]).waitFor()
  await carol.getByTestId('toggle-all').focus()
  await carol.keyboard.press('Space')
  await left.getByText('0 items left').waitFor()
  for (const t of C) assert.equal(await item(carol, t).getByTestId('todo-done').isChecked(), true, `${t} done`)
  assert.equal(await carol.getByTestId('toggle-all').isChecked(), true)
  await expectFocus(carol, 'toggle-all', undefined, 'on toggle all')
  await carol.keyboard.press('Space')
  await left.getByText('3 items left').waitFor()
  for (const t of C) assert.equal(await item(carol, t).getByTestId('todo-done').isChecked(), false, `${t} open`)
  await expectFocus(carol, 'toggle-all', undefined, 'still on toggle all')
  await item(carol, C[0]).getByTestId('todo-done').check()
  await left.getByText('2 items left').waitFor()
  await item(carol, C[1]).getByTestId('todo-done').check()
  await left.getByText('1 item left').waitFor()
  await carol.getByTestId('clear-completed').getByText('Clear completed (2)').waitFor()
  await shot(carol, 'items-left')
  await expectNoAxeViolations(carol, 'list with completed to-dos')
  await carol.getByTestId('clear-completed').focus()
  await carol.keyboard.press('Enter')
  await item(carol, C[0]).waitFor({ state: 'detached' })
  await item(carol, C[1]).waitFor({ state: 'detached' })
  assert.deepEqual(await tagged(carol), [C[2]])
  assert.equal(await carol.getByTestId('clear-completed').count(), 0)
  await expectFocus(carol, 'new-title', undefined, 'in the new to-do field after Clear completed')
  assert.deepEqual((await listAll(carol)).map((t) => t.title), [C[2]], 'deleted on the server')
  await carol.getByTestId('filter-done').click()
  await carol.getByTestId('empty').getByText('Nothing done yet').waitFor()
  await carol.getByTestId('filter-all').click()
})

step('with the server unreachable, one error is shown, in a sentence', async () => {
  await carol.route('**/api/**', (route) => route.abort('connectionrefused'))
  await carol.getByTestId('new-title').fill(`Offline ${tag}`)
  await carol.keyboard.press('Enter')
  const errors = carol.getByTestId('error')
  await errors.first().waitFor()
  await carol.waitForTimeout(1700) // the statistics retry in the background meanwhile
  assert.deepEqual(await errors.allInnerTexts(), ['Could not reach the server. Check your connection and try again.'])
  await expectFocus(carol, 'new-title', undefined, 'in the field after the failed Add')
  await shot(carol, 'server-down')
  await carol.unroute('**/api/**')
  await carol.keyboard.press('Enter')
  await item(carol, `Offline ${tag}`).waitFor()
  assert.equal(await errors.count(), 0)
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
  await expectNoAxeViolations(phone, 'phone list')
  const first = await phone.getByTestId('todo-item').first().boundingBox()
  assert.ok(first.y + first.height <= 740, `the first to-do is above the fold (bottom at ${first.y + first.height}px)`)
  const small = async () =>
    phone.evaluate(() =>
      [...document.querySelectorAll('button, input, a, .upload')]
        .filter((el) => !el.closest('.upload') || el.matches('.upload'))
        .filter((el) => !el.matches('.sr-only, [type=hidden]'))
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && r.height > 0 && (r.width < 44 - 0.5 || r.height < 44 - 0.5))
        .map(({ el, r }) => `${el.getAttribute('data-testid') || el.className || el.tagName} ${Math.round(r.width)}x${Math.round(r.height)}`),
    )
  assert.deepEqual(await small(), [], 'touch targets of at least 44x44 px on the list')
  const it = await expand(phone, T.a3)
  await it.locator(`[data-testid=attachment][data-name="itinerary.txt"]`).waitFor()
  await it.getByTestId('todo-edit').click()
  await it.getByTestId('edit-title').waitFor()
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`)
  assert.deepEqual(await small(), [], 'touch targets of at least 44x44 px in an open to-do')
  await shot(phone, 'phone-edit')
  await expectNoAxeViolations(phone, 'phone edit')
  await it.getByTestId('edit-cancel').click()
  await phone.getByTestId('new-title').fill('')
  await phone.getByTestId('add-button').click()
  await phone.getByTestId('add-form').getByTestId('error').waitFor()
  await shot(phone, 'phone-error', { fullPage: false })
  await phone.emulateMedia({ colorScheme: 'dark' })
  await phone.waitForTimeout(400) // let the colour transitions finish
  await shot(phone, 'phone-dark', { fullPage: false })
  await expectNoAxeViolations(phone, 'phone, dark, with an error')
  const it2 = await expand(phone, T.a3)
  await it2.getByTestId('todo-delete').click()
  await it2.getByTestId('attachment').first().hover()
  await phone.getByTestId('add-button').hover()
  await shot(phone, 'phone-dark-open')
  await expectNoAxeViolations(phone, 'phone, dark, open to-do')
  await it2.getByTestId('todo-delete-cancel').click()
  await phone.emulateMedia({ colorScheme: 'light' })
})

step('no uncaught errors in any page; save the state for after-restart', async () => {
  noPageErrors(alice, bob, carol, phone)
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
