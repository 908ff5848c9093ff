'use strict'

// destroy() racing regenerate() on one cookie (a logout while a login or a privilege change is in
// flight): once both have answered, neither the old token nor the new one reads any data, in
// whatever order the store applied them. Every store of this package moves a session in one
// step (the store's `move`), and a revoke follows the move its tombstone names. Over real HTTP,
// the two requests sent together from one browser's cookie.

const assert = require('assert')
const genericSession = require('..')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { api } = require('./helpers/store-promises')

const TRIALS = 20

// /login sets a user; /regenerate answers the new id; /destroy ends the session.
function appOn (filter) {
  return (req, res) => filter(req, res, async () => {
    const send = (value) => res.end(JSON.stringify(value === undefined ? null : value))
    try {
      if (req.url === '/login') return send(await req.session.set('user', 'alice'))
      if (req.url === '/regenerate') {
        await req.session.regenerate()
        return send({ id: req.session.id })
      }
      if (req.url === '/destroy') return send(await req.session.destroy())
      if (req.url === '/whoami') return send(await req.session.get('user'))
      send('?')
    } catch (err) {
      res.statusCode = 500
      send({ error: err.message })
    }
  })
}

// A request from a browser that holds `cookie` (and ignores what comes back).
async function getWith (url, cookie) {
  const res = await fetch(url, { headers: { cookie } })
  return { status: res.status, body: JSON.parse(await res.text()) }
}

describe('destroy() racing regenerate() on one cookie', function () {
  this.timeout(60000)

  forEveryStore((makeStore, kind) => {
    // A custom store without `move` gets the old steps, whose risk README states.
    if (kind.custom) return

    // fn(server, s): the app on a fresh store, and the store's Promise API; the server is closed after.
    async function withApp (fn) {
      const store = makeStore()
      const server = await startServer(appOn(genericSession.filter(store)))
      try {
        await fn(server, api(store))
      } finally {
        await server.close()
      }
    }

    it(`leaves neither token with data, whichever lands first (${TRIALS} trials)`, async () => {
      await withApp(async (server, s) => {
        const orders = new Set()
        for (let trial = 0; trial < TRIALS; trial++) {
          const browser = createClient(server.url)
          await browser.get('/login')
          const oldId = 'session:' + browser.cookie('s').value
          assert.strictEqual(await s.get(oldId, 'user'), 'alice')
          const cookie = `s=${browser.cookie('s').value}`
          const finished = []
          const [regenerated, destroyed] = await Promise.all([
            getWith(server.url + '/regenerate', cookie).then((r) => { finished.push('regenerate'); return r }),
            getWith(server.url + '/destroy', cookie).then((r) => { finished.push('destroy'); return r })
          ])
          orders.add(finished.join(' then '))
          assert.strictEqual(destroyed.status, 200, JSON.stringify(destroyed.body))
          assert.strictEqual(regenerated.status, 200, JSON.stringify(regenerated.body))
          const newId = regenerated.body.id
          assert.notStrictEqual(newId, oldId)
          assert.deepStrictEqual(await s.getAll(oldId), {}, `trial ${trial}: the old token reads nothing`)
          assert.deepStrictEqual(await s.getAll(newId), {}, `trial ${trial}: the regenerated token reads nothing`)
        }
        assert.ok(orders.size >= 1)
      })
    })

    it('destroy() on the old token after regenerate() has answered ends the new one too', async () => {
      await withApp(async (server, s) => {
        const browser = createClient(server.url)
        await browser.get('/login')
        const oldCookie = `s=${browser.cookie('s').value}`
        const { body: { id: newId } } = await browser.get('/regenerate')
        assert.strictEqual((await browser.get('/whoami')).body, 'alice', 'the new token carries the session')
        // A second tab still holding the old cookie logs out.
        assert.strictEqual((await getWith(server.url + '/destroy', oldCookie)).status, 200)
        assert.deepStrictEqual(await s.getAll(newId), {})
        assert.strictEqual((await browser.get('/whoami')).body, null, 'the browser with the new token is logged out')
      })
    })

    it('regenerate() after destroy() has answered moves nothing to the new token', async () => {
      await withApp(async (server, s) => {
        const browser = createClient(server.url)
        await browser.get('/login')
        const cookie = `s=${browser.cookie('s').value}`
        assert.strictEqual((await getWith(server.url + '/destroy', cookie)).status, 200)
        const regenerated = await getWith(server.url + '/regenerate', cookie)
        assert.strictEqual(regenerated.status, 200)
        assert.deepStrictEqual(await s.getAll(regenerated.body.id), {})
      })
    })
  })
})
