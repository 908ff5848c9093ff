'use strict'

// Revocation sticks: after destroy(), a write still in flight from another request on the same
// session does not bring it back. Each store of this package keeps a tombstone (store.revoke);
// a custom store without revoke gets delAll, and the race then revives the session, which the
// last case shows so the difference stays visible.

const assert = require('assert')
const genericSession = require('..')
const { startServer, createClient, rawGet } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { sessionApp, sleep } = require('./helpers/session-app')
const { api } = require('./helpers/store-promises')

describe('destroy() against a write in flight', () => {
  forEveryStore((makeStore) => {
    it('a slow write that lands after destroy does not bring the session back', async () => {
      const store = makeStore()
      const server = await startServer(sessionApp(genericSession.filter(store)))
      try {
        const client = createClient(server.url)
        await client.get('/set/user/alice')
        const cookie = `s=${client.cookie('s').value}`
        const id = 'session:' + client.cookie('s').value

        // Request A starts its slow write; request B (logout) destroys while A is waiting.
        const slow = rawGet(server.url + '/slow-set/cart/book', { cookie })
        await sleep(100)
        await client.get('/destroy')
        assert.strictEqual(client.cookie('s'), undefined, 'the browser dropped the cookie')
        const { body: late } = await slow
        assert.strictEqual(late.id, id, 'A wrote to the destroyed session, after the destroy')

        const after = await api(store).getAll(id)
        const stale = await rawGet(server.url + '/read', { cookie })
        if (typeof store.revoke === 'function') {
          assert.deepStrictEqual(after, {}, 'the store holds nothing for the destroyed session')
          assert.deepStrictEqual(stale.body.data, {}, 'the old cookie finds nothing: no user, no cart')
        } else {
          // A custom store without revoke: destroy falls back to delAll, and the race revives it.
          assert.deepStrictEqual(after, { cart: 'book' })
        }
      } finally {
        await server.close()
      }
    })

    it('delAll() is not destroy(): the session, cookie and all, can be written again', async () => {
      const store = makeStore()
      const filter = genericSession.filter(store)
      const server = await startServer((req, res) => filter(req, res, async () => {
        if (req.url === '/clear') await req.session.delAll()
        else await req.session.set('k', req.url)
        res.end(JSON.stringify(await req.session.getAll()))
      }))
      try {
        const client = createClient(server.url)
        await client.get('/one')
        assert.deepStrictEqual((await client.get('/clear')).body, {})
        assert.deepStrictEqual((await client.get('/two')).body, { k: '/two' })
      } finally {
        await server.close()
      }
    })
  })
})
