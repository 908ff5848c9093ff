'use strict'

// The application of the crash tests of sessions of a user (test/users-crash.test.js), run in a
// child process on LevelStore (test/fixtures/users-crash-child.js) or in the test process on any
// store. Routes, each answering JSON (a failed call answers 500 with { error }):
//   /set/<v>               the session's `k` is v
//   /login/<user>?tag=<t>  regenerate(), then setUser(user, { tag: t }); { id }
//   /get                   the session's `k` (null when it has none)
//   /whoami                getUser() (null when unbound)
//   /others                { user, ended }: revokeOtherSessions() and how many it ended, or
//                          { user: null } when the session is bound to no user (a revoke ended it)
//   /destroy               destroy()
//   /delall                delAll()
//   /regenerate            regenerate()
//   /revoke/<user>         store.revokeSessions(user): how many it ended
//   /inspect/<user>        what store.listSessions(user) lists, each with what the store holds for
//                          it, read directly: [{ handle, tag, k, holds }] (k: the `k` of the
//                          session its index entry names, null when it holds none; holds: whether
//                          that session's binding is this entry's, on the user's epoch)

// The records of lib/users/records.js, read here as stored.
const indexOf = (user) => '\u0000user:' + user
const USER = '\u0000user'
const EPOCH = '\u0000epoch'
const INDEX_MS = 400 * 24 * 60 * 60 * 1000
const HOUR = 60 * 60 * 1000

const promised = (fn) => new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))))

async function inspect (store, user) {
  const listed = await store.listSessions(user)
  const index = (await promised((cb) => store.getAll(indexOf(user), INDEX_MS, cb))) || {}
  const epoch = index[EPOCH] === undefined ? '' : index[EPOCH]
  return Promise.all(listed.map(async ({ id, info }) => {
    const entry = index[id]
    const data = (entry && await promised((cb) => store.getAll(entry.sid, HOUR, cb))) || {}
    const binding = data[USER]
    const holds = Boolean(binding && binding.user === user && binding.handle === id && (binding.epoch === epoch || binding.nextEpoch === epoch))
    return { handle: id, tag: info && info.tag, k: data.k === undefined ? null : data.k, holds }
  }))
}

// The request handler over session filter `filter` on `store`.
function usersApp (filter, store) {
  return (req, res) => filter(req, res, async () => {
    const send = (value) => res.end(JSON.stringify(value === undefined ? null : value))
    const url = new URL(req.url, 'http://x')
    const s = req.session
    let m
    try {
      if ((m = url.pathname.match(/^\/set\/(.+)$/))) return send(await s.set('k', decodeURIComponent(m[1])))
      if ((m = url.pathname.match(/^\/login\/(.+)$/))) {
        await s.regenerate()
        await s.setUser(decodeURIComponent(m[1]), { tag: url.searchParams.get('tag') })
        return send({ id: s.id })
      }
      if (url.pathname === '/get') return send(await s.get('k'))
      if (url.pathname === '/whoami') return send(await s.getUser())
      if (url.pathname === '/others') {
        const user = await s.getUser()
        return send(user === undefined ? { user: null } : { user, ended: await s.revokeOtherSessions() })
      }
      if (url.pathname === '/destroy') return send(await s.destroy())
      if (url.pathname === '/delall') return send(await s.delAll())
      if (url.pathname === '/regenerate') return send(await s.regenerate())
      if ((m = url.pathname.match(/^\/revoke\/(.+)$/))) return send(await store.revokeSessions(decodeURIComponent(m[1])))
      if ((m = url.pathname.match(/^\/inspect\/(.+)$/))) return send(await inspect(store, decodeURIComponent(m[1])))
      res.statusCode = 404
      send({ error: 'no route ' + url.pathname })
    } catch (err) {
      res.statusCode = 500
      send({ error: err.message })
    }
  })
}

module.exports = { usersApp, indexOf, EPOCH }
