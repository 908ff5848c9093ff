'use strict'

// RedisStore's near-cache against real redis-server processes started here: two application
// processes on one redis-server (test/fixtures/redis-app-process.js) take turns on one browser's
// session and never read what the other has overwritten, destroyed, regenerated away, or what has
// expired; a process alone answers its reads from memory (Redis's command counts show it); the
// bound; a redis-server restarted under load; and the option. The shared suites
// (test/helpers/stores.js) run every other RedisStore test with the cache on and with it off.

const assert = require('assert')
const path = require('path')
const { CookieJar } = require('tough-cookie')
const genericSession = require('..')
const { RedisStore } = genericSession
const { describeWithRedis, startRedis, RedisServer, freePort, sleep } = require('./helpers/redis')
const { api, HOUR } = require('./helpers/store-promises')
const { startServer, createClient } = require('./helpers/http')
const { startProcess } = require('./helpers/example')
const { sessionApp } = require('./helpers/session-app')

const APP = path.join(__dirname, 'fixtures', 'redis-app-process.js')
const closeStore = (store) => new Promise((resolve) => store.close(resolve))

let prefixes = 0
const freshPrefix = () => `near${++prefixes}:`

// How many times Redis has run each command since `redis.cli('CONFIG', 'RESETSTAT')`.
function commandCounts (redis) {
  const counts = {}
  for (const line of redis.cli('INFO', 'commandstats').split('\n')) {
    const m = line.match(/^cmdstat_([a-z|]+):calls=(\d+)/)
    if (m) counts[m[1]] = Number(m[2])
  }
  return counts
}

// The cookie header a client would send now (to replay an old cookie after it has changed).
const cookieOf = (jar, url) => jar.getCookieStringSync(url)

describeWithRedis('RedisStore near-cache', function () {
  this.timeout(120000)
  let redis

  before(async () => {
    redis = await startRedis()
  })

  after(async () => {
    if (redis) await redis.remove()
  })

  describe('two processes on one redis-server, one browser', () => {
    let processes = []
    let atA, atB, a, jar

    async function start (env = {}) {
      const common = { REDIS_URL: redis.url, PREFIX: freshPrefix(), ...env }
      processes = await Promise.all([startProcess(APP, common), startProcess(APP, common)])
      jar = new CookieJar()
      a = processes[0]
      atA = createClient(processes[0].url, jar)
      atB = createClient(processes[1].url, jar)
    }

    afterEach(async () => {
      await Promise.all(processes.map((p) => p.stop()))
      processes = []
    })

    it('2,000 alternating get-then-set requests: each reads what the other process wrote just before (0 stale reads)', async () => {
      await start()
      const stale = []
      let id
      let written = null // what the request before wrote
      for (let i = 0; i < 2000; i++) {
        const { status, body } = await (i % 2 === 0 ? atA : atB).get('/count')
        assert.strictEqual(status, 200, JSON.stringify(body))
        if (id === undefined) id = body.id
        assert.strictEqual(body.id, id, 'one session throughout')
        const read = body.read === undefined ? null : body.read
        if (read !== written) stale.push({ request: i, read, expected: written })
        written = (read || 0) + 1
      }
      assert.deepStrictEqual(stale, [], `${stale.length} stale reads`)
      assert.strictEqual(written, 2000)
    })

    it('a read after the other process destroyed the session sees nothing (200 sessions)', async () => {
      await start()
      for (let i = 0; i < 200; i++) {
        jar.removeAllCookiesSync()
        await atA.get(`/set/n/${i}`)
        const cookie = cookieOf(jar, a.url)
        assert.deepStrictEqual((await atA.get('/read')).body.data, { n: String(i) })
        assert.deepStrictEqual((await atA.get('/read')).body.data, { n: String(i) }, 'read twice: the second from memory')
        await atB.get('/destroy')
        const after = await atA.get('/read', { cookie })
        assert.deepStrictEqual(after.body.data, {}, `session ${i}: the destroyed session's data is gone from the other process too`)
      }
    })

    it('after the other process regenerated the session, the old cookie reads nothing and the new one reads the data (200 sessions)', async () => {
      await start()
      for (let i = 0; i < 200; i++) {
        jar.removeAllCookiesSync()
        await atA.get(`/set/n/${i}`)
        const oldCookie = cookieOf(jar, a.url)
        assert.deepStrictEqual((await atA.get('/read')).body.data, { n: String(i) })
        const { before, after } = (await atB.get('/login')).body
        assert.notStrictEqual(before, after)
        assert.deepStrictEqual((await atA.get('/read')).body.data, { n: String(i) }, `session ${i}: the new token reads the data`)
        // Last: the answer to a revoked token sets a new session's cookie.
        assert.deepStrictEqual((await atA.get('/read', { cookie: oldCookie })).body.data, {}, `session ${i}: the old token reads nothing`)
      }
    })

    it('a key the other process deletes or a session it writes again is read as it is now, key by key', async () => {
      await start()
      await atA.get('/set/x/1')
      await atA.get('/set/y/2')
      for (let i = 0; i < 100; i++) {
        assert.deepStrictEqual((await atA.get('/read')).body.data, { x: String(i + 1), y: String(2 * i + 2) })
        await atB.get(`/set/x/${i + 2}`)
        assert.deepStrictEqual((await atA.get('/read')).body.data, { x: String(i + 2), y: String(2 * i + 2) })
        await atA.get(`/set/y/${2 * i + 4}`)
      }
    })

    // 3 s: the set and both reads must land inside it, which a loaded CI machine once missed at 1 s.
    it('a session that expired in Redis is not served from memory (expire: 3 s)', async () => {
      await start({ EXPIRE: '3' })
      for (let i = 0; i < 3; i++) {
        jar.removeAllCookiesSync()
        await atA.get(`/set/n/${i}`)
        const cookie = cookieOf(jar, a.url)
        assert.deepStrictEqual((await atA.get('/read')).body.data, { n: String(i) })
        assert.deepStrictEqual((await atB.get('/read')).body.data, { n: String(i) })
        await sleep(3300)
        assert.deepStrictEqual((await atA.get('/read', { cookie })).body.data, {}, 'expired for the process that cached it')
        assert.deepStrictEqual((await atB.get('/read', { cookie })).body.data, {}, 'and for the other one')
      }
    })
  })

  describe('a session made in this request', () => {
    let store, server, other

    afterEach(async () => {
      if (server) await server.close()
      if (store) await closeStore(store)
      if (other) await other.stop()
      server = store = other = undefined
    })

    it('is read as another process wrote it once its cookie was out, though its reads before were answered without Redis', async () => {
      const prefix = freshPrefix()
      store = RedisStore({ url: redis.url, prefix })
      other = await startProcess(APP, { REDIS_URL: redis.url, PREFIX: prefix })
      let release
      const released = new Promise((resolve) => { release = resolve })
      // Sends its headers (the new session's cookie) at once, reads the session, then waits for
      // the test and reads it again.
      const filter = genericSession.middleware(store, { keys: ['near-cache test secret'] })
      server = await startServer((req, res) => filter(req, res, async () => {
        const before = await req.session.getAll()
        res.writeHead(200, { 'content-type': 'application/json' })
        res.flushHeaders()
        await released
        const after = await req.session.getAll()
        res.end(JSON.stringify({ before, after }))
      }))
      redis.cli('CONFIG', 'RESETSTAT')
      const jar = new CookieJar()
      const response = await fetch(server.url + '/hold')
      for (const line of response.headers.getSetCookie()) jar.setCookieSync(line, server.url)
      assert.strictEqual((await createClient(other.url, jar).get('/set/x/1')).status, 200)
      release()
      const { before, after } = await response.json()
      assert.deepStrictEqual(before, {}, 'new: nothing stored')
      assert.deepStrictEqual(after, { x: '1' }, 'what the other process wrote meanwhile')
      assert.strictEqual(commandCounts(redis).hgetall, 1, 'the read before the headers went out asked no store; the one after asked Redis')
    })

    it('reads as empty even while Redis is down (nothing can be stored under it yet); its first write reports the failure', async () => {
      store = RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, connectTimeout: 200, commandTimeout: 300 })
      server = await startServer(sessionApp(genericSession.middleware(store, { keys: ['k'] })))
      const read = await createClient(server.url).get('/read')
      assert.strictEqual(read.status, 200, JSON.stringify(read.body))
      assert.deepStrictEqual(read.body.data, {})
      const write = await createClient(server.url).get('/count')
      assert.strictEqual(write.status, 500)
      assert.match(write.body.error, /RedisStore/)
      const again = await createClient(server.url).get('/read', { cookie: read.setCookies.map((line) => line.split(';')[0]).join('; ') })
      assert.strictEqual(again.status, 500, 'a session that came back with its cookie is read from Redis: ' + JSON.stringify(again.body))
    })

    it('reads as empty after close() too (no store call), while its write reports the closed store', async () => {
      store = RedisStore({ url: redis.url, prefix: freshPrefix() })
      server = await startServer(sessionApp(genericSession.middleware(store, { keys: ['k'] })))
      await closeStore(store)
      const read = await createClient(server.url).get('/read')
      assert.strictEqual(read.status, 200, JSON.stringify(read.body))
      assert.deepStrictEqual(read.body.data, {})
      const write = await createClient(server.url).get('/count')
      assert.strictEqual(write.status, 500)
      assert.match(write.body.error, /closed/)
      store = undefined
    })

    it('costs no read round trip: new sessions\' get-then-set requests send only their write', async () => {
      store = RedisStore({ url: redis.url, prefix: freshPrefix() })
      server = await startServer(sessionApp(genericSession.middleware(store, { keys: ['k'] })))
      redis.cli('CONFIG', 'RESETSTAT')
      for (let i = 0; i < 100; i++) {
        const { body } = await createClient(server.url).get('/count')
        assert.strictEqual(body.read, undefined, 'a new session has no count')
      }
      const counts = commandCounts(redis)
      assert.strictEqual(counts.hmget || 0, 0, JSON.stringify(counts))
      assert.strictEqual(counts.exec, 100, 'one MULTI/EXEC (the write) per request')
    })
  })

  describe('one process', () => {
    let store, server
    afterEach(async () => {
      if (server) await server.close()
      if (store) await closeStore(store)
      server = store = undefined
    })

    it('serves get-then-set requests on a reused session with one round trip each: no HMGET, HGETALL or lone PEXPIRE reaches Redis', async () => {
      store = RedisStore({ url: redis.url, prefix: freshPrefix() })
      server = await startServer(sessionApp(genericSession.middleware(store, { keys: ['k'] })))
      const client = createClient(server.url)
      assert.strictEqual((await client.get('/count')).body.read, undefined, 'a new session has no count')
      await client.get('/count') // the first read of the session, from Redis
      redis.cli('CONFIG', 'RESETSTAT')
      for (let i = 2; i < 202; i++) assert.strictEqual((await client.get('/count')).body.read, i)
      const counts = commandCounts(redis)
      assert.strictEqual(counts.hmget || 0, 0, JSON.stringify(counts))
      assert.strictEqual(counts.hgetall || 0, 0, JSON.stringify(counts))
      assert.strictEqual(counts.exec, 200, 'one MULTI/EXEC (the write) per request')
      assert.strictEqual(counts.pexpire, 200, 'the expiry goes with the write, not with the read')
    })

    it('a cached read refreshes no expiry until the one Redis holds is 1% of expire behind, then sends one PEXPIRE', async () => {
      store = RedisStore({ url: redis.url, prefix: freshPrefix() })
      const s = api(store)
      const expire = 100000 // ms: 1% is 1 s
      await s.set('sid', 'k', 'v', expire)
      await s.get('sid', 'k', expire) // cached from Redis
      redis.cli('CONFIG', 'RESETSTAT')
      for (let i = 0; i < 50; i++) assert.strictEqual(await s.get('sid', 'k', expire), 'v')
      assert.strictEqual(commandCounts(redis).pexpire || 0, 0, 'no expiry refresh within the 1% bound')
      await sleep(1100)
      assert.strictEqual(await s.get('sid', 'k', expire), 'v')
      assert.strictEqual(await s.get('sid', 'k', expire), 'v')
      const counts = commandCounts(redis)
      assert.strictEqual(counts.pexpire, 1, 'one refresh once it lagged by more than 1%: ' + JSON.stringify(counts))
      assert.ok(Number(redis.cli('PTTL', `${store.prefix}{sid}`)) > 99000, 'Redis holds the refreshed expiry')
    })

    it('a read called while a write of its session is in flight is answered from memory once the write is done: sees the write, no HGETALL or HMGET', async () => {
      store = RedisStore({ url: redis.url, prefix: freshPrefix() })
      const s = api(store)
      await s.set('sid', 'n', 1, HOUR)
      assert.deepStrictEqual(await s.getAll('sid', HOUR), { n: 1 }, 'cached from Redis')
      redis.cli('CONFIG', 'RESETSTAT')
      for (let i = 2; i < 22; i++) {
        // Called in one turn: the reads find the write in flight, so they are not peeked.
        const [, all, one] = await Promise.all([s.set('sid', 'n', i, HOUR), s.getAll('sid', HOUR), s.get('sid', 'n', HOUR)])
        assert.deepStrictEqual(all, { n: i }, 'getAll sees the write called before it')
        assert.strictEqual(one, i, 'get sees the write called before it')
      }
      const counts = commandCounts(redis)
      assert.strictEqual(counts.hgetall || 0, 0, JSON.stringify(counts))
      assert.strictEqual(counts.hmget || 0, 0, JSON.stringify(counts))
      assert.strictEqual(counts.exec, 20, 'one MULTI/EXEC per write')
    })

    it('stays right when the cache is far smaller than the sessions (nearCache: { max: 4096 }): 300 sessions read back', async () => {
      store = RedisStore({ url: redis.url, prefix: freshPrefix(), nearCache: { max: 4096 } })
      const s = api(store)
      for (let i = 0; i < 300; i++) await s.set(`s${i}`, 'data', { i, pad: 'x'.repeat(100) }, HOUR)
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 300; i++) assert.deepStrictEqual(await s.getAll(`s${i}`, HOUR), { data: { i, pad: 'x'.repeat(100) } })
      }
      redis.cli('CONFIG', 'RESETSTAT')
      for (let i = 0; i < 300; i++) await s.get(`s${i}`, 'data', HOUR)
      assert.ok((commandCounts(redis).hmget || 0) > 250, 'most reads go to Redis: 4 KB holds few sessions')
    })

    it('with nearCache: false every read goes to Redis', async () => {
      store = RedisStore({ url: redis.url, prefix: freshPrefix(), nearCache: false })
      const s = api(store)
      await s.set('sid', 'k', 'v', HOUR)
      redis.cli('CONFIG', 'RESETSTAT')
      for (let i = 0; i < 20; i++) assert.strictEqual(await s.get('sid', 'k', HOUR), 'v')
      assert.strictEqual(commandCounts(redis).hmget, 20)
    })

    it('a write from redis-cli, FLUSHDB, and a key that expires in Redis are all seen at once', async () => {
      store = RedisStore({ url: redis.url, prefix: freshPrefix() })
      const s = api(store)
      const hash = `${store.prefix}{sid}`
      await s.set('sid', 'k', 'one', HOUR)
      assert.strictEqual(await s.get('sid', 'k', HOUR), 'one')
      redis.cli('HSET', hash, 'k', '"two"')
      await sleep(20)
      assert.strictEqual(await s.get('sid', 'k', HOUR), 'two')
      redis.cli('FLUSHDB')
      await sleep(20)
      assert.strictEqual(await s.get('sid', 'k', HOUR), undefined)
      await s.set('sid', 'k', 'three', HOUR)
      assert.strictEqual(await s.get('sid', 'k', HOUR), 'three')
      redis.cli('PEXPIRE', hash, '1')
      await sleep(50)
      assert.strictEqual(await s.get('sid', 'k', HOUR), undefined)
    })
  })

  describe('a redis-server restarted under load', () => {
    let server, store, restarted
    afterEach(async () => {
      if (server) await server.close()
      if (store) await closeStore(store)
      if (restarted) await restarted.remove()
      server = store = restarted = undefined
    })

    it('a session cached before a restart and not touched during it is read from Redis after it (store calls)', async () => {
      restarted = new RedisServer({ port: await freePort() })
      await restarted.start()
      store = RedisStore({ url: restarted.url, prefix: freshPrefix(), commandTimeout: 1000 })
      const s = api(store)
      for (let i = 0; i < 20; i++) {
        await s.set(`s${i}`, 'n', 'before', HOUR)
        assert.strictEqual(await s.get(`s${i}`, 'n', HOUR), 'before')
        assert.strictEqual(await s.get(`s${i}`, 'n', HOUR), 'before')
      }
      await restarted.stop()
      await restarted.start() // empty
      await sleep(100)
      await s.set('other', 'n', 'x', HOUR).catch(() => {}) // the store finds out, and reconnects
      const after = []
      for (let i = 0; i < 20; i++) after.push(await s.get(`s${i}`, 'n', HOUR))
      assert.deepStrictEqual(after, Array(20).fill(undefined))
    })

    it('drops the cache with the connection: nothing cached before the restart is read after it (Redis came back empty)', async () => {
      restarted = new RedisServer({ port: await freePort() })
      await restarted.start()
      store = RedisStore({ url: restarted.url, prefix: freshPrefix(), commandTimeout: 1000 })
      server = await startServer(sessionApp(genericSession.middleware(store, { keys: ['k'] })))
      const clients = Array.from({ length: 20 }, () => createClient(server.url))
      const cookies = []
      for (const client of clients) {
        await client.get('/set/n/before')
        assert.deepStrictEqual((await client.get('/read')).body.data, { n: 'before' })
        cookies.push(client.jar.getCookieStringSync(server.url))
      }
      // Load: every client reading in a loop, through the restart and after it.
      const loading = { on: true }
      const seen = []
      const load = Promise.all(clients.map(async (client, i) => {
        for (let n = 0; loading.on && n < 100000; n++) {
          // Always the session's own cookie: a failed read while Redis is away answers with a new one.
          const { status, body } = await client.get('/read', { cookie: cookies[i] })
          seen.push({ client: i, at: Date.now(), status, data: status === 200 ? body.data : null })
        }
      }))
      await sleep(200)
      await restarted.stop()
      const downAt = Date.now()
      await sleep(300)
      await restarted.start() // no persistence: it comes back empty
      const upAt = Date.now()
      await sleep(1500)
      loading.on = false
      await load
      const afterRestart = seen.filter((r) => r.at > upAt + 1200 && r.status === 200)
      assert.ok(afterRestart.length >= 20, `${afterRestart.length} reads answered after the restart`)
      const stale = seen.filter((r) => r.at > downAt && r.status === 200 && r.data && r.data.n === 'before')
      assert.deepStrictEqual(stale.slice(0, 5), [], `${stale.length} reads served the pre-restart data after Redis went away`)
    })
  })

  describe('option nearCache', () => {
    const url = 'redis://127.0.0.1:1'
    for (const [options, message] of [
      [{ nearCache: 'big' }, /nearCache must be \{ max: bytes \} or false/],
      [{ nearCache: { max: -1 } }, /nearCache\.max must be a whole number of bytes/],
      [{ nearCache: { max: 1.5 } }, /nearCache\.max must be a whole number of bytes/],
      [{ nearCache: { size: 10 } }, /unknown option nearCache\.size/],
      [{ cluster: ['redis://127.0.0.1:1'], nearCache: { max: 1000 } }, /nearCache is not available with options\.cluster/]
    ]) {
      it(`throws at once for ${JSON.stringify(options)}`, () => {
        assert.throws(() => RedisStore(options.cluster ? options : { url, ...options }), message)
      })
    }

    it('shows what it was given: 64 MiB by default, max, or false (also for max: 0 and for a Cluster)', async () => {
      const made = [
        RedisStore({ url }),
        RedisStore({ url, nearCache: { max: 1000 } }),
        RedisStore({ url, nearCache: false }),
        RedisStore({ url, nearCache: { max: 0 } }),
        RedisStore({ cluster: [url] })
      ]
      assert.deepStrictEqual(made.map((store) => store.nearCache), [{ max: 64 * 1024 * 1024 }, { max: 1000 }, false, false, false])
      await Promise.all(made.map(closeStore))
    })
  })
})
