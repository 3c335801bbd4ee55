// Second phase, run after the server was restarted on the same data
// directory: everything main.test.mjs left behind (STATE_FILE) is still
// there, still isolated per user, attachments have the same bytes, and the
// statistics kept their values.
//
//   E2E_BASE_URL=http://127.0.0.1:PORT node --test e2e/after-restart.test.mjs

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import {
  BASE_URL, STATE_FILE, apiFetch, downloadAttachment, expand, expectStatsInUI, item, launch, listAll, newPage,
  noPageErrors, setPhase, sha256hex, shot, signIn, stepper, titlesShown,
} from './helpers.mjs'

setPhase('after-restart')
assert.ok(BASE_URL, 'set E2E_BASE_URL to the app')
const state = JSON.parse(readFileSync(STATE_FILE, 'utf8'))
const users = ['alice', 'bob']
const pages = {}
let browser
const step = stepper(test, () => Object.values(pages))

before(async () => {
  browser = await launch()
  for (const u of users) pages[u] = await newPage(browser, u)
})
after(async () => {
  await browser?.close()
})

step('both users sign in again', async () => {
  for (const u of users) await signIn(pages[u], u)
})

step('their remaining to-dos are all there, unchanged, in order', async () => {
  for (const u of users) {
    const page = pages[u]
    const want = state[u].todos
    await item(page, want[0].title).waitFor()
    const shown = (await titlesShown(page)).filter((t) => t.endsWith(state.tag))
    assert.deepEqual(shown, want.map((t) => t.title), `${u}: titles shown`)
    const all = await listAll(page)
    for (const w of want) {
      const got = all.find((t) => t.id === w.id)
      assert.ok(got, `${u}: ${w.title} (${w.id}) is listed`)
      for (const k of ['title', 'done', 'notes', 'due']) if (k in w) assert.equal(got[k], w[k], `${u}: ${w.title}.${k}`)
      assert.equal(await item(page, w.title).getByTestId('todo-done').isChecked(), w.done, `${u}: ${w.title} checkbox`)
    }
    for (const id of state[u].deleted) {
      assert.equal((await apiFetch(page, 'GET', `/api/todos/${id}`)).status, 404, `${u}: deleted ${id} stays deleted`)
    }
    await shot(page, `${u}-list`)
  }
})

step('attachments survived with the same bytes', async () => {
  for (const u of users) {
    const page = pages[u]
    for (const [id, files] of Object.entries(state[u].attachments)) {
      const todo = state[u].todos.find((t) => t.id === id)
      const it = await expand(page, todo.title)
      for (const [name, sum] of Object.entries(files)) {
        await it.locator(`[data-testid=attachment][data-name="${name}"]`).waitFor()
        assert.equal(sha256hex(await downloadAttachment(page, todo.title, name)), sum, `${u}: ${name}`)
      }
      assert.equal(await it.getByTestId('attachment').count(), Object.keys(files).length, `${u}: attachment count`)
    }
    await shot(page, `${u}-attachments`)
  }
})

step('still isolated', async () => {
  const [a, b] = [pages.alice, pages.bob]
  const bobIds = new Set((await listAll(b)).map((t) => t.id))
  for (const t of await listAll(a)) assert.ok(!bobIds.has(t.id))
  for (const t of state.alice.todos) {
    const r = await apiFetch(b, 'GET', `/api/todos/${t.id}`)
    assert.equal(r.status, 404, `bob GET alice's ${t.id}`)
  }
  for (const t of state.bob.todos) {
    const r = await apiFetch(a, 'GET', `/api/todos/${t.id}`)
    assert.equal(r.status, 404, `alice GET bob's ${t.id}`)
  }
  const bobTitles = new Set(state.bob.todos.map((t) => t.title))
  for (const t of await titlesShown(a)) assert.ok(!bobTitles.has(t), `alice sees ${t}`)
  const aliceTitles = new Set(state.alice.todos.map((t) => t.title))
  for (const t of await titlesShown(b)) assert.ok(!aliceTitles.has(t), `bob sees ${t}`)
})

step('statistics kept their values', async () => {
  for (const u of users) await expectStatsInUI(pages[u], state[u].stats)
  await shot(pages.alice, 'alice-stats')
  noPageErrors(...Object.values(pages))
})
