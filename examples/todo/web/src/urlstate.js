// The list's place in the address bar: ?status=open|done and ?todo=<id>
// (the open to-do), so a reload and the Back button bring it back. Other
// parameters (e.g. page_size) are kept as they are.

export const FILTERS = ['all', 'open', 'done']

export function readUrlState(search) {
  const q = new URLSearchParams(search)
  const s = q.get('status')
  return { status: FILTERS.includes(s) ? s : 'all', todo: q.get('todo') || '' }
}

// urlFor returns the path+query for state, starting from the current href.
export function urlFor(href, { status, todo }) {
  const u = new URL(href)
  if (status && status !== 'all') u.searchParams.set('status', status)
  else u.searchParams.delete('status')
  if (todo) u.searchParams.set('todo', todo)
  else u.searchParams.delete('todo')
  return u.pathname + u.search
}
