'use strict'

// What an expressStore must do under a real framework, on every store: the tests of
// test/express-store.test.js (express-session on Express) and test/fastify-session.test.js
// (@fastify/session on Fastify) are these, over real HTTP with a cookie jar. `framework.start(
// sessionStore, held)` starts an app with these routes, each answering JSON:
//   /read                  the session's data (without its cookie)
//   /count/:key            adds 1 to `key`; the data
//   /del/:key              deletes `key`; the data
//   /hold/:name/count/:key reads the session, waits for held.release(name) (./held-requests.js),
//                          then counts as /count
//   /hold/:name/idle       reads the session, waits, changes nothing; the data
//   /login/:user           regenerates the session, then sets `user`; the data
//   /logout                destroys the session; null
// and resolves to { url, close() }. `framework.sid(client)` is the session id in client's jar.

const assert = require('assert')
const genericSession = require('../..')
const { createClient } = require('./http')
const { CookieJar } = require('tough-cookie')
const { forEveryStore } = require('./stores')
const { heldRequests } = require('./held-requests')
const { tempDir, removeDir, closeStore } = require('./level')
const { api } = require('./store-promises')

function expressStoreSuite (framework) {
  forEveryStore((makeStore) => {
    let app
    afterEach(async () => {
      if (app) await app.close()
      app = null
    })
    const start = async (store, held = heldRequests()) => {
      app = await framework.start(genericSession.expressStore(store), held)
      return { client: createClient(app.url), held }
    }

    it('counts across requests', async () => {
      const { client } = await start(makeStore())
      for (const n of [1, 2, 3]) assert.deepStrictEqual((await client.get('/count/visits')).body, { visits: n })
    })

    it('stores each property as a key of its own, the cookie one key too', async () => {
      const store = makeStore()
      const { client } = await start(store)
      await client.get('/count/a')
      await client.get('/count/b')
      const stored = await api(store).getAll('sess:' + framework.sid(client))
      assert.deepStrictEqual(Object.keys(stored).sort(), ['a', 'b', 'cookie'])
      assert.strictEqual(stored.a, 1)
      assert.strictEqual(typeof stored.cookie.expires, 'string', 'the cookie as JSON')
    })

    it('login: regenerate, then property writes; the old id reads nothing', async () => {
      const { client } = await start(makeStore())
      await client.get('/count/visits')
      const before = framework.sid(client)
      const beforeJar = client.jar.serializeSync()
      assert.deepStrictEqual((await client.get('/login/alice')).body, { user: 'alice' })
      assert.notStrictEqual(framework.sid(client), before, 'a new session id')
      assert.deepStrictEqual((await client.get('/count/visits')).body, { user: 'alice', visits: 1 })
      const planted = createClient(app.url, CookieJar.deserializeSync(beforeJar))
      assert.deepStrictEqual((await planted.get('/read')).body, {}, 'the pre-login id holds nothing')
    })

    it('parallel requests that change different keys keep both changes', async () => {
      const { client, held } = await start(makeStore())
      await client.get('/count/a')
      await client.get('/count/b') // { a: 1, b: 1 }
      const a = client.get('/hold/A/count/a') // reads { a: 1, b: 1 }, then waits
      await held.arrived('A')
      assert.deepStrictEqual((await client.get('/count/b')).body, { a: 1, b: 2 }, 'B saved b while A held')
      held.release('A')
      assert.deepStrictEqual((await a).body, { a: 2, b: 1 }, 'A saved its whole session, as read plus its change')
      assert.deepStrictEqual((await client.get('/read')).body, { a: 2, b: 2 }, 'a as A wrote it, b as B did')
    })

    it('a key one request deletes stays deleted when a parallel request saves another', async () => {
      const { client, held } = await start(makeStore())
      await client.get('/count/a')
      await client.get('/count/b')
      const a = client.get('/hold/A/count/a')
      await held.arrived('A')
      assert.deepStrictEqual((await client.get('/del/b')).body, { a: 1 })
      held.release('A')
      await a
      assert.deepStrictEqual((await client.get('/read')).body, { a: 2 })
      assert.deepStrictEqual((await client.get('/del/a')).body, {}, 'the request\'s own deletion')
      assert.deepStrictEqual((await client.get('/read')).body, {})
    })

    it('logout: destroy, then the old cookie reads nothing', async () => {
      const store = makeStore()
      const { client } = await start(store)
      await client.get('/login/alice')
      const sid = framework.sid(client)
      const oldJar = client.jar.serializeSync()
      assert.strictEqual((await client.get('/logout')).body, null)
      const old = createClient(app.url, CookieJar.deserializeSync(oldJar))
      assert.deepStrictEqual((await old.get('/read')).body, {}, 'the old cookie finds no user')
      assert.deepStrictEqual(await api(store).getAll('sess:' + sid), {}, 'the store holds nothing for it')
    })

    // A custom store without revoke gets delAll, and the late write then lands (README, Store API).
    it('a write held across a logout does not bring the session back (with the store\'s revoke)', async () => {
      const store = makeStore()
      const { client, held } = await start(store)
      await client.get('/login/alice')
      const sid = framework.sid(client)
      const oldJar = client.jar.serializeSync()
      const late = createClient(app.url, CookieJar.deserializeSync(oldJar)).get('/hold/A/count/a')
      await held.arrived('A')
      await client.get('/logout')
      held.release('A')
      await late
      const stored = await api(store).getAll('sess:' + sid)
      if (typeof store.revoke === 'function') assert.deepStrictEqual(stored, {})
      else assert.deepStrictEqual(Object.keys(stored).sort(), ['a', 'cookie'], 'the late write landed after delAll')
    })
  })

  describe('restart on LevelStore', () => {
    let dir
    let store
    let app
    afterEach(async () => {
      if (app) await app.close()
      if (store) await closeStore(store)
      removeDir(dir)
      app = store = dir = null
    })

    it('keeps the user logged in: a new store on the same directory, the same cookie jar', async () => {
      dir = tempDir()
      store = genericSession.LevelStore(dir)
      app = await framework.start(genericSession.expressStore(store), heldRequests())
      const client = createClient(app.url)
      await client.get('/login/alice')
      await client.get('/count/visits')
      await app.close()
      assert.ok(!(await closeStore(store)), 'the store closes')
      app = null

      store = genericSession.LevelStore(dir)
      app = await framework.start(genericSession.expressStore(store), heldRequests())
      const again = createClient(app.url, client.jar)
      assert.deepStrictEqual((await again.get('/read')).body, { user: 'alice', visits: 1 })
    })
  })
}

module.exports = { expressStoreSuite }
