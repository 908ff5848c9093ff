'use strict'

// The store-wide calls every store of this package has: ids(), length() and clear() (README, Store
// API), which express-session's all, length and clear stand on. A custom store need not have them.

const assert = require('assert')
const { execFileSync } = require('child_process')
const genericSession = require('..')
const { operationsFor } = require('../lib/store-contract')
const { kStoreKind } = require('../lib/measured-store')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { api, HOUR } = require('./helpers/store-promises')
const { sleep } = require('./helpers/session-app')
const { describeWithRedis } = require('./helpers/redis')
const { startSentinels } = require('./helpers/redis-sentinel')

const { MemoryStore, RedisStore } = genericSession

const sorted = (ids) => [...ids].sort()

// A store made like `store` (the same Redis, or the same db) whose keys do not overlap it.
function neighbourOf (store) {
  if (store.cluster) return RedisStore({ cluster: store.cluster, prefix: 'neighbour:' })
  if (store.url) return RedisStore({ url: store.url, prefix: 'neighbour:' })
  return null
}

function closeQuietly (store) {
  return new Promise((resolve) => store.close(() => resolve()))
}

// A server whose /login/<user> binds the session to <user> (options.users), and / sets a key.
function usersApp (store) {
  const filter = genericSession.filter(store, { users: true })
  return (req, res) => filter(req, res, async () => {
    try {
      const login = /^\/login\/(.+)$/.exec(req.url)
      if (login) await req.session.setUser(login[1])
      else await req.session.set('visited', true)
      res.end(JSON.stringify({ id: req.session.id }))
    } catch (err) {
      res.statusCode = 500
      res.end(JSON.stringify({ error: err.message }))
    }
  })
}

describe('ids(), length() and clear()', () => {
  forEveryStore((makeStore, kind) => {
    if (kind.custom) return

    it('ids() lists exactly the live sessions: not emptied, not destroyed, not internal', async () => {
      const store = makeStore()
      const s = api(store)
      await s.set('session:a', 'k', 1)
      await s.set('session:b', 'k1', 1)
      await s.set('session:b', 'k2', { deep: [2] })
      await s.set('session:emptied', 'k', 1)
      await s.del('session:emptied', 'k')
      await s.set('session:destroyed', 'k', 1)
      await s.revoke('session:destroyed')
      await s.set('session:late-write', 'k', 1)
      await s.revoke('session:late-write')
      await s.set('session:late-write', 'k', 2) // lands in the tombstone, unseen
      await s.set('session:moved', 'k', 1)
      await new Promise((resolve, reject) => store.move('session:moved', 'session:moved-to', HOUR, (err) => (err ? reject(err) : resolve())))
      await s.set('\u0000user:alice', 'handle', { sid: 'session:a' })
      assert.deepStrictEqual(sorted(await store.ids()), ['session:a', 'session:b', 'session:moved-to'])
      assert.strictEqual(await store.length(), 3)
    })

    it('an expired session is not listed, swept or not', async () => {
      // MemoryStore expires by its own cache.maxAge; the others by the expire each call passes.
      const memory = kind.name === 'MemoryStore'
      const store = memory ? MemoryStore({ cache: { maxAge: 1000 } }) : makeStore()
      const s = api(store)
      await s.set('session:short', 'k', 1, 500)
      await s.set('session:long', 'k', 1)
      await sleep(600)
      if (memory) await s.get('session:long', 'k') // refreshed: idle since 600 ms
      await sleep(600)
      assert.deepStrictEqual(await store.ids(), ['session:long'])
      assert.strictEqual(await store.length(), 1)
    })

    it('ids come back exactly as given, lone surrogates included', async () => {
      const store = makeStore()
      const s = api(store)
      const ids = ['x\uD800', 'x\uDFFF', 'x\uFFFD', 'x\uFDD0', 'x\uFDD0\uE000', 'x\uD83D\uDE00', 'session:"quoted"\\']
      for (const id of ids) await s.set(id, 'k', id)
      const listed = await store.ids()
      assert.deepStrictEqual(sorted(listed), sorted(ids))
      for (const id of listed) assert.strictEqual(await s.get(id, 'k'), id, 'each listed id reads its own session')
    })

    it('the users\' index records are not sessions; clear() removes them too', async () => {
      const store = makeStore()
      const server = await startServer(usersApp(store))
      try {
        const alice = createClient(server.url)
        const { id } = (await alice.get('/login/alice')).body
        const other = (await createClient(server.url).get('/')).body.id
        assert.strictEqual((await store.listSessions('alice')).length, 1, 'alice has an index, listing her session')
        assert.deepStrictEqual(sorted(await store.ids()), sorted([id, other]))
        assert.strictEqual(await store.length(), 2)
        await store.clear()
        assert.deepStrictEqual(await store.listSessions('alice'), [], 'her index went with the rest')
        assert.deepStrictEqual(await api(store).getAll('\u0000user:alice'), {})
      } finally {
        await server.close()
      }
    })

    it('clear() removes every session and tombstone, and nothing of anyone else', async () => {
      const store = makeStore()
      const s = api(store)
      const neighbour = neighbourOf(store)
      try {
        for (let i = 0; i < 50; i++) await s.set(`session:${i}`, 'k', i)
        await s.revoke('session:0')
        if (neighbour) await api(neighbour).set('session:theirs', 'k', 'kept')
        if (store.db) await store.db.put('app:own', 'kept')
        await store.clear()
        assert.deepStrictEqual(await store.ids(), [])
        assert.strictEqual(await store.length(), 0)
        for (let i = 0; i < 50; i++) assert.deepStrictEqual(await s.getAll(`session:${i}`), {})
        assert.strictEqual(await s.get('session:1', 'k'), undefined)
        // The tombstone went too: the id is an ordinary new one again.
        await s.set('session:0', 'k', 'again')
        assert.deepStrictEqual(await s.getAll('session:0'), { k: 'again' })
        if (neighbour) {
          assert.deepStrictEqual(await neighbour.ids(), ['session:theirs'], 'another prefix in the same Redis is untouched')
          assert.strictEqual(await api(neighbour).get('session:theirs', 'k'), 'kept')
        }
        if (store.db) assert.strictEqual(await store.db.get('app:own'), 'kept', 'the application\'s own key is untouched')
      } finally {
        if (neighbour) {
          await neighbour.clear()
          await closeQuietly(neighbour)
        }
      }
    })

    it('5,000 sessions are all listed (on a cluster: from every master)', async function () {
      this.timeout(120000)
      const store = makeStore()
      const expected = Array.from({ length: 5000 }, (_, i) => `session:${i}`)
      for (let i = 0; i < expected.length; i += 500) {
        await Promise.all(expected.slice(i, i + 500).map((id) => api(store).set(id, 'k', 1)))
      }
      const listed = await store.ids()
      assert.strictEqual(listed.length, 5000)
      assert.deepStrictEqual(sorted(listed), sorted(expected))
      assert.strictEqual(await store.length(), 5000)
      if (store.cluster) {
        // Each master holds its share of this store's keys, so none was left out.
        const held = store.cluster.map((url) => {
          const { hostname, port } = new URL(url)
          const keys = execFileSync('redis-cli', ['-h', hostname, '-p', port, '--scan', '--pattern', `${store.prefix}{*}`], { encoding: 'utf8' })
          return keys.split('\n').filter(Boolean).length
        })
        assert.strictEqual(held.length, 3)
        for (const count of held) assert.ok(count > 1000, `every master holds some: ${held}`)
        assert.strictEqual(held.reduce((sum, count) => sum + count, 0), 5000)
      }
      await store.clear()
      assert.strictEqual(await store.length(), 0)
    })

    it('writes during an enumeration neither fail it nor hide a session that was there throughout', async function () {
      this.timeout(60000)
      const store = makeStore()
      const s = api(store)
      const kept = Array.from({ length: 2000 }, (_, i) => `session:kept${i}`)
      await Promise.all(kept.map((id) => s.set(id, 'k', 1)))
      const churn = []
      const listing = store.ids()
      for (let i = 0; i < 500; i++) {
        churn.push(s.set(`session:new${i}`, 'k', i))
        churn.push(s.set(`session:kept${i}`, 'k', 2)) // rewrites of sessions being listed
        churn.push(s.revoke(`session:new${i}`))
      }
      const [listed] = await Promise.all([listing, ...churn])
      const found = new Set(listed)
      for (const id of kept) assert.ok(found.has(id), `${id} is listed`)
      for (const id of listed) assert.ok(id.startsWith('session:'), id)
      const after = await store.ids()
      assert.deepStrictEqual(sorted(after), sorted(kept), 'once the writes are done, exactly the live ones')
    })

    it('each has a callback form (never called synchronously) and a Promise form', async () => {
      const store = makeStore()
      await api(store).set('session:a', 'k', 1)
      const viaCallback = (method) => new Promise((resolve, reject) => {
        let returned = false
        const result = store[method]((err, value) => {
          if (!returned) return reject(new Error(`${method} called back synchronously`))
          err ? reject(err) : resolve(value)
        })
        returned = true
        assert.strictEqual(result, undefined, `${method}(cb) returns nothing`)
      })
      assert.deepStrictEqual(await viaCallback('ids'), ['session:a'])
      assert.strictEqual(await viaCallback('length'), 1)
      const promised = store.ids()
      assert.ok(promised instanceof Promise)
      assert.deepStrictEqual(await promised, ['session:a'])
      assert.strictEqual(await store.length(), 1)
      assert.strictEqual(await viaCallback('clear'), undefined)
      assert.strictEqual(await store.clear(), undefined)
      assert.throws(() => store.ids('not a function'), /callback must be a function/)
    })

    it('through the measured store a Session uses, each is a store call in metrics()', async () => {
      const store = makeStore()
      const operations = operationsFor(store)
      const calls = (operation) => {
        const series = genericSession.metrics().storeCalls.find((s) => s.operation === operation && s.store === store[kStoreKind])
        return series ? series.calls : 0
      }
      const before = { ids: calls('ids'), length: calls('length'), clear: calls('clear') }
      await api(store).set('session:a', 'k', 1)
      assert.deepStrictEqual(await operations.ids(), ['session:a'])
      assert.strictEqual(await new Promise((resolve) => operations.length((err, n) => resolve(err || n))), 1)
      await operations.clear()
      assert.deepStrictEqual(await store.ids(), [])
      assert.deepStrictEqual({ ids: calls('ids'), length: calls('length'), clear: calls('clear') },
        { ids: before.ids + 1, length: before.length + 1, clear: before.clear + 1 })
    })

    if (kind.name !== 'MemoryStore') {
      it('after close(), each fails with the closed error', async () => {
        const store = makeStore()
        await closeQuietly(store)
        for (const method of ['ids', 'length', 'clear']) {
          await assert.rejects(store[method](), /is closed/, method)
        }
      })
    }
  })
})

describeWithRedis('ids(), length() and clear() on RedisStore through Sentinel', function () {
  this.timeout(60000)
  let deployment
  before(async () => { deployment = await startSentinels() })
  after(async () => { if (deployment) await deployment.remove() })

  it('list and clear the sessions of the master Sentinel names', async () => {
    const store = RedisStore({ sentinel: { name: deployment.name, nodes: deployment.urls }, prefix: 'sentinel:' })
    try {
      const s = api(store)
      await s.set('session:a', 'k', 1)
      await s.set('session:b', 'k', 1)
      await s.revoke('session:b')
      assert.deepStrictEqual(await store.ids(), ['session:a'])
      assert.strictEqual(await store.length(), 1)
      await store.clear()
      assert.deepStrictEqual(await store.ids(), [])
      assert.deepStrictEqual(await s.getAll('session:a'), {})
    } finally {
      await closeQuietly(store)
    }
  })
})
