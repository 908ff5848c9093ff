'use strict'

// maxLifetime: an absolute timeout counted from the session's creation, however active it is,
// enforced in every store: past it the session is deleted and a new one starts; LevelStore and
// RedisStore are also told an expiry that never passes it.

const assert = require('assert')
const genericSession = require('..')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { sessionApp, sleep } = require('./helpers/session-app')
const { api } = require('./helpers/store-promises')

// Long enough that a request on a loaded two-core CI machine fits well inside each margin below.
const LIFETIME_S = 1.2

describe('maxLifetime', () => {
  forEveryStore((makeStore) => {
    let server, store
    async function start (options) {
      store = makeStore()
      server = await startServer(sessionApp(genericSession.filter(store, { maxLifetime: LIFETIME_S, ...options })))
      return createClient(server.url)
    }
    afterEach(async () => { if (server) await server.close(); server = null })

    it('ends an active session at maxLifetime from its creation, though it was never idle', async () => {
      const client = await start()
      const { body: first } = await client.get('/set/name/Ada')
      const started = Date.now()
      let last
      while (Date.now() - started < LIFETIME_S * 1000 - 400) {
        last = (await client.get('/read')).body
        assert.strictEqual(last.id, first.id, 'still the same session within its lifetime')
        assert.deepStrictEqual(last.data, { name: 'Ada' }, 'getAll never shows the creation record')
        await sleep(100)
      }
      await sleep(500)
      const { body: after } = await client.get('/read')
      assert.notStrictEqual(after.id, first.id, 'a new session')
      assert.deepStrictEqual(after.data, {})
      assert.deepStrictEqual(await api(store).getAll(first.id), {}, 'the old session is gone from the store')
    })

    it('regenerate() keeps the creation time: logging in does not extend the lifetime', async () => {
      const client = await start()
      const { body: first } = await client.get('/set/name/Ada')
      await sleep(LIFETIME_S * 500)
      const { body: login } = await client.get('/login')
      assert.notStrictEqual(login.after, first.id)
      assert.deepStrictEqual((await client.get('/read')).body.data, { name: 'Ada' })
      await sleep(LIFETIME_S * 500 + 200)
      const { body: after } = await client.get('/read')
      assert.notStrictEqual(after.id, login.after)
      assert.deepStrictEqual(after.data, {})
    })

    it('a session made before maxLifetime was set starts its clock at its next visit', async () => {
      store = makeStore()
      const plain = await startServer(sessionApp(genericSession.filter(store)))
      const before = createClient(plain.url)
      const { body: first } = await before.get('/set/name/Ada')
      await plain.close()
      server = await startServer(sessionApp(genericSession.filter(store, { maxLifetime: LIFETIME_S })))
      const client = createClient(server.url, before.jar)
      await sleep(LIFETIME_S * 1000 + 100) // older than maxLifetime, but it has no creation record
      const { body } = await client.get('/read')
      assert.strictEqual(body.id, first.id)
      assert.deepStrictEqual(body.data, { name: 'Ada' })
      await sleep(LIFETIME_S * 1000 + 100)
      assert.notStrictEqual((await client.get('/read')).body.id, first.id)
    })
  })

  it('bad values throw, naming the option', () => {
    for (const bad of [0, -1, 'soon', Infinity]) {
      assert.throws(() => genericSession.middleware(genericSession.MemoryStore(), { maxLifetime: bad }), /options\.maxLifetime must be a number of seconds/)
    }
  })
})
