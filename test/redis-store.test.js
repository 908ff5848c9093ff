'use strict'

// RedisStore against real redis-server processes started here (test/helpers/redis.js; the Store
// API suite and the HTTP flow run on one server and on a 3-master cluster through
// test/helpers/stores.js): the layout in Redis, 100
// parallel writers, Redis down at start, killed and hung mid-run, close, and bad options.

const assert = require('assert')
const { CookieJar } = require('tough-cookie')
const genericSession = require('..')
const { RedisStore } = genericSession
const { describeWithRedis, startRedis, startCluster, freePort, RedisServer, sleep } = require('./helpers/redis')
const { api, HOUR } = require('./helpers/store-promises')
const { startServer, createClient } = require('./helpers/http')
const { startExample } = require('./helpers/example')

const closeStore = (store) => new Promise((resolve) => store.close(resolve))

// Every store made here gets a prefix of its own, so tests sharing one server never see each
// other's sessions.
let stores = 0
const freshPrefix = () => `t${++stores}:`

// Resolves to [err, value] of one Store API call, and how long it took.
function timed (call) {
  const start = Date.now()
  return new Promise((resolve) => call((err, value) => resolve({ err, value, ms: Date.now() - start })))
}

describeWithRedis('RedisStore', function () {
  this.timeout(30000)
  let redis, cluster

  before(async () => {
    redis = await startRedis()
    cluster = await startCluster()
  })

  after(async () => {
    if (redis) await redis.remove()
    if (cluster) await cluster.remove()
  })

  describe('layout in Redis', () => {
    let store
    afterEach(() => store && closeStore(store))

    it('keeps a session as one hash <prefix>{<id>}, one field per key, each value its JSON text', async () => {
      store = RedisStore({ url: redis.url, prefix: 'layout:' })
      const s = api(store)
      await s.set('session:abc', 'name', 'Ada')
      await s.set('session:abc', 'cart', { items: [1, 2] })
      assert.strictEqual(redis.cli('TYPE', 'layout:{session:abc}'), 'hash')
      assert.strictEqual(redis.cli('HGET', 'layout:{session:abc}', 'name'), '"Ada"')
      assert.strictEqual(redis.cli('HGET', 'layout:{session:abc}', 'cart'), '{"items":[1,2]}')
      assert.strictEqual(redis.cli('HLEN', 'layout:{session:abc}'), '2')
    })

    it('uses no prefix beyond the session id by default', async () => {
      store = RedisStore({ url: redis.url })
      await api(store).set('session:noprefix', 'k', 1)
      assert.strictEqual(redis.cli('HGET', '{session:noprefix}', 'k'), '1')
      redis.cli('DEL', '{session:noprefix}')
    })

    it('sets the idle expiry with every write and refreshes it on every read', async () => {
      store = RedisStore({ url: redis.url, prefix: 'ttl:' })
      const s = api(store)
      await s.set('session:t', 'k', 1, 60000)
      const afterSet = Number(redis.cli('PTTL', 'ttl:{session:t}'))
      assert.ok(afterSet > 55000 && afterSet <= 60000, `PTTL after set: ${afterSet}`)
      await s.get('session:t', 'k', HOUR)
      const afterGet = Number(redis.cli('PTTL', 'ttl:{session:t}'))
      assert.ok(afterGet > HOUR - 5000, `PTTL after get with an hour: ${afterGet}`)
      await s.getAll('session:t', 30000)
      const afterGetAll = Number(redis.cli('PTTL', 'ttl:{session:t}'))
      assert.ok(afterGetAll <= 30000 && afterGetAll > 25000, `PTTL after getAll: ${afterGetAll}`)
      await s.del('session:t', 'other', 90000)
      assert.ok(Number(redis.cli('PTTL', 'ttl:{session:t}')) > 85000)
    })

    it('a read of an unknown session creates nothing', async () => {
      store = RedisStore({ url: redis.url, prefix: 'ghost:' })
      assert.strictEqual(await api(store).get('session:none', 'k'), undefined)
      assert.deepStrictEqual(await api(store).getAll('session:none'), {})
      assert.strictEqual(redis.cli('EXISTS', 'ghost:{session:none}'), '0')
    })

    it('delAll deletes the hash', async () => {
      store = RedisStore({ url: redis.url, prefix: 'delall:' })
      await api(store).set('session:d', 'k', 1)
      await api(store).delAll('session:d')
      assert.strictEqual(redis.cli('EXISTS', 'delall:{session:d}'), '0')
    })

    it('revoke (destroy) leaves a tombstone hash that keeps the session\'s remaining expiry, and writes after it stay unseen', async () => {
      store = RedisStore({ url: redis.url, prefix: 'revoke:' })
      const s = api(store)
      await s.set('session:r', 'k', 1, 60000)
      await new Promise((resolve, reject) => store.revoke('session:r', (err) => (err ? reject(err) : resolve())))
      assert.deepStrictEqual(redis.cli('HKEYS', 'revoke:{session:r}').split('\n'), ['\u0000revoked'])
      const ttl = Number(redis.cli('PTTL', 'revoke:{session:r}'))
      assert.ok(ttl > 55000 && ttl <= 60000, `the tombstone lasts as long as the session had left: ${ttl}`)
      // A write racing the destroy lands in the tombstoned hash (no script guards writes), but no
      // read sees it, and it goes when the tombstone does.
      await s.set('session:r', 'late', 2, 60000)
      assert.ok(redis.cli('HKEYS', 'revoke:{session:r}').split('\n').includes('\u0000revoked'), 'the tombstone is still there')
      assert.ok(Number(redis.cli('PTTL', 'revoke:{session:r}')) <= 60000, 'and expires with the late write')
      assert.strictEqual(await s.get('session:r', 'late'), undefined)
      assert.strictEqual(await s.get('session:r', 'k'), undefined)
      assert.deepStrictEqual(await s.getAll('session:r'), {})
      await s.extend('session:r', HOUR)
      assert.deepStrictEqual(await s.getAll('session:r'), {}, 'extend does not revive it either')
    })

    it('in a cluster, the session id is the hash tag: the hash lives in the slot of {<id>}', async () => {
      store = RedisStore({ cluster: cluster.urls, prefix: 'c:' })
      for (let i = 0; i < 20; i++) await api(store).set(`session:slot${i}`, 'k', i)
      const owners = new Set()
      for (let i = 0; i < 20; i++) {
        const node = cluster.nodeFor(`c:{session:slot${i}}`)
        assert.ok(node, `a node holds session:slot${i}`)
        assert.strictEqual(node.cli('CLUSTER', 'KEYSLOT', `c:{session:slot${i}}`), node.cli('CLUSTER', 'KEYSLOT', `session:slot${i}`))
        assert.strictEqual(node.cli('-c', 'HGET', `c:{session:slot${i}}`, 'k'), String(i))
        owners.add(node.port)
      }
      assert.ok(owners.size > 1, 'sessions spread over more than one master')
    })
  })

  describe('parallel requests on one session', () => {
    // /set/<key>/<value> sets one key of the session; /all answers all of it.
    const keyHandler = (filter) => (req, res) => filter(req, res, () => {
      const m = req.url.match(/^\/set\/([^/]+)\/(.+)$/)
      const done = (err, value) => res.end(JSON.stringify(err ? { error: err.message } : value === undefined ? null : value))
      if (m) return req.session.set(m[1], m[2], done)
      req.session.getAll(done)
    })

    for (const where of ['one server', 'cluster']) {
      it(`100 requests each setting a different key lose none (${where})`, async () => {
        const store = RedisStore(where === 'cluster' ? { cluster: cluster.urls, prefix: freshPrefix() } : { url: redis.url, prefix: freshPrefix() })
        const server = await startServer(keyHandler(genericSession.filter(store)))
        try {
          const client = createClient(server.url)
          await client.get('/all')
          const cookie = `s=${client.cookie('s').value}`
          const answers = await Promise.all(Array.from({ length: 100 }, (_, i) =>
            fetch(`${server.url}/set/k${i}/v${i}`, { headers: { cookie } }).then((res) => res.json())))
          assert.deepStrictEqual(answers.filter((a) => a !== null), [], 'every set succeeded')
          const { body } = await client.get('/all')
          const lost = Array.from({ length: 100 }, (_, i) => `k${i}`).filter((k, i) => body[k] !== `v${i}`)
          assert.deepStrictEqual(lost, [], `${lost.length} of 100 keys lost`)
        } finally {
          await server.close()
          await closeStore(store)
        }
      })
    }
  })

  describe('when Redis is down or hangs', () => {
    let server, store
    afterEach(async () => {
      if (store) await closeStore(store)
      if (server) await server.remove()
      store = server = undefined
    })

    it('down at start: the constructor does not throw, and each call fails with an error naming the server', async () => {
      const port = await freePort()
      store = RedisStore({ url: `redis://user:hunter2@127.0.0.1:${port}`, commandTimeout: 1000 })
      const { err, ms } = await timed((cb) => store.get('session:x', 'k', HOUR, cb))
      assert.ok(err instanceof Error)
      assert.match(err.message, new RegExp(`RedisStore \\(redis://127\\.0\\.0\\.1:${port}\\)`))
      assert.doesNotMatch(err.message, /hunter2/, 'the password is not in the message')
      assert.ok(ms < 1500, `failed within commandTimeout (took ${ms} ms)`)
    })

    it('reconnects on its own when Redis comes up (after being down at start)', async () => {
      const port = await freePort()
      store = RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeout: 1000 })
      assert.ok((await timed((cb) => store.set('session:late', 'k', 1, HOUR, cb))).err)
      server = await new RedisServer({ port }).start()
      const result = await eventually(() => timed((cb) => store.set('session:late', 'k', 2, HOUR, cb)))
      assert.strictEqual(result.err, null)
      assert.strictEqual(server.cli('HGET', '{session:late}', 'k'), '2')
    })

    it('killed mid-run: calls fail within commandTimeout, nothing crashes, and it recovers when Redis returns', async () => {
      server = await startRedis()
      store = RedisStore({ url: server.url, commandTimeout: 800 })
      const s = api(store)
      await s.set('session:m', 'k', 'before')
      await server.stop()
      const results = await Promise.all(Array.from({ length: 50 }, () => timed((cb) => store.get('session:m', 'k', HOUR, cb))))
      for (const { err, ms } of results) {
        assert.ok(err instanceof Error, 'each call fails')
        assert.ok(ms < 1300, `within commandTimeout (took ${ms} ms)`)
      }
      await server.start() // same port, empty (no persistence in tests)
      const result = await eventually(() => timed((cb) => store.set('session:m', 'k', 'after', HOUR, cb)))
      assert.strictEqual(result.err, null)
      assert.strictEqual(await s.get('session:m', 'k'), 'after')
    })

    it('hung (SIGSTOP): calls fail with a timeout after commandTimeout, and succeed once it continues', async () => {
      server = await startRedis()
      store = RedisStore({ url: server.url, commandTimeout: 300 })
      await api(store).set('session:h', 'k', 1)
      server.pause()
      try {
        const { err, ms } = await timed((cb) => store.get('session:h', 'k', HOUR, cb))
        assert.match(err.message, /no answer within 300 ms \(commandTimeout\)/)
        assert.ok(ms >= 250 && ms < 1000, `took ${ms} ms`)
      } finally {
        server.resume()
      }
      const result = await eventually(() => timed((cb) => store.get('session:h', 'k', HOUR, cb)))
      assert.strictEqual(result.err, null)
      assert.strictEqual(result.value, 1)
    })

    it('nothing queues without bound: past maxPending, calls fail at once', async () => {
      server = await startRedis()
      store = RedisStore({ url: server.url, commandTimeout: 1000, maxPending: 10 })
      await api(store).set('session:q', 'k', 1)
      server.pause()
      try {
        const calls = Array.from({ length: 25 }, () => timed((cb) => store.get('session:q', 'k', HOUR, cb)))
        const results = await Promise.all(calls)
        const refused = results.filter((r) => r.err && /maxPending/.test(r.err.message))
        assert.strictEqual(refused.length, 15, 'the 15 calls past maxPending are refused')
        for (const r of refused) assert.ok(r.ms < 200, `refused at once (took ${r.ms} ms)`)
        assert.ok(results.slice(0, 10).every((r) => r.err && /commandTimeout/.test(r.err.message)), 'the first 10 time out')
      } finally {
        server.resume()
      }
    })

    it('a cluster that is down at start fails each call within commandTimeout', async () => {
      const ports = [await freePort(), await freePort()]
      store = RedisStore({ cluster: ports.map((p) => `redis://127.0.0.1:${p}`), commandTimeout: 800, connectTimeout: 300 })
      const { err, ms } = await timed((cb) => store.getAll('session:c', HOUR, cb))
      assert.ok(err instanceof Error)
      assert.match(err.message, /^RedisStore \(redis:\/\/127\.0\.0\.1:\d+, redis:\/\/127\.0\.0\.1:\d+\)/)
      assert.ok(ms < 1300, `took ${ms} ms`)
    })
  })

  describe('many processes (examples/cluster.js)', () => {
    let servers = []
    afterEach(async () => {
      await Promise.all(servers.map((server) => server.stop()))
      servers = []
    })

    it('two server processes on different ports, two workers each, serve one cookie\'s session', async () => {
      const env = { REDIS_URL: redis.url, WORKERS: '2', SESSION_SECRET: 'shared secret' }
      servers = await Promise.all([startExample('cluster.js', env), startExample('cluster.js', env)])
      const [a, b] = servers
      assert.notStrictEqual(a.port, b.port)
      const jar = new CookieJar() // one browser, two servers
      const atA = createClient(a.url, jar)
      const atB = createClient(b.url, jar)
      assert.strictEqual((await atA.get('/set/name/Ada')).body, 'Ada')
      const workers = new Set()
      for (let i = 0; i < 10; i++) {
        for (const client of [atA, atB]) {
          const { body, headers } = await client.get('/get/name')
          assert.strictEqual(body, 'Ada', 'each process reads what the other wrote')
          workers.add(headers.get('x-worker'))
        }
      }
      await atB.get('/set/city/Paris')
      assert.deepStrictEqual((await atA.get('/')).body, { name: 'Ada', city: 'Paris' })
      assert.ok(workers.size >= 2, `served by ${workers.size} worker processes`)
    })
  })

  describe('close(cb)', () => {
    it('answers every call made before it, then calls back; calls after it fail', async () => {
      const store = RedisStore({ url: redis.url, prefix: freshPrefix() })
      const answers = []
      for (let i = 0; i < 20; i++) store.set('session:close', `k${i}`, i, HOUR, (err) => answers.push(err))
      const closed = await closeStore(store)
      assert.strictEqual(closed, null)
      assert.deepStrictEqual(answers, Array(20).fill(null))
      const after = await timed((cb) => store.get('session:close', 'k1', HOUR, cb))
      assert.match(after.err.message, /RedisStore is closed/)
      assert.strictEqual(await closeStore(store), null, 'a second close calls back too')
    })

    it('an idle store does not keep the process alive', async () => {
      const { execFileSync } = require('child_process')
      const script = `const s = require(${JSON.stringify(require.resolve('..'))}).RedisStore(${JSON.stringify(redis.url)});
        s.set('session:exit', 'k', 1, 60000, (err) => { if (err) throw err; console.log('set') })`
      const started = Date.now()
      const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 })
      assert.strictEqual(out, 'set\n')
      assert.ok(Date.now() - started < 5000)
    })
  })

  describe('options', () => {
    const bad = [
      [42, /RedisStore options must be a redis:\/\/ URL or an object/],
      [{ url: 'http://localhost' }, /options\.url must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ url: 7 }, /options\.url must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ url: 'redis://a', cluster: ['redis://b'] }, /one of options\.url .*, options\.cluster .* or options\.sentinel, not url and cluster/],
      [{ cluster: ['redis://b'], sentinel: { name: 'm', nodes: ['redis://c'] } }, /not cluster and sentinel/],
      [{ host: 'redis.example' }, /^TypeError: RedisStore: unknown option host: use url: 'redis:\/\/host:port'; the known ones are url, cluster, sentinel, tls, prefix, nearCache, connectTimeout, commandTimeout, maxPending$/],
      [{ host: 'redis.example', port: 6380 }, /^TypeError: RedisStore: unknown options host, port \(host: use url: 'redis:\/\/host:port'; port: use url: 'redis:\/\/host:port'\); the known ones are url, cluster, /],
      [{ url: 'redis://a', password: 'x' }, /unknown option password: use url: 'redis:\/\/:password@host:port', or sentinel\.password with Sentinel; the known ones are url,/],
      [{ url: 'redis://a', retries: 3 }, /^TypeError: RedisStore: unknown option retries; the known ones are url, cluster, sentinel, tls, prefix, nearCache, connectTimeout, commandTimeout, maxPending$/],
      [{ url: 'redis://a', retries: 3, lazyConnect: true, db: 1 }, /unknown options retries, lazyConnect, db \(db: use url: 'redis:\/\/host:port\/db', or sentinel\.db with Sentinel\); the known ones are url,/],
      [{ sentinel: { nodes: ['redis://a:26379'] } }, /options\.sentinel\.name must be the master's name/],
      [{ sentinel: { name: 'm', nodes: [] } }, /options\.sentinel\.nodes must be a non-empty array/],
      [{ sentinel: { name: 'm', nodes: ['http://a'] } }, /options\.sentinel\.nodes\[0\] must be a redis:\/\//],
      [{ sentinel: { name: 'm', nodes: ['redis://a'], masterName: 'x' } }, /unknown option sentinel\.masterName; the known ones are sentinel\.name, sentinel\.nodes, sentinel\.username, sentinel\.password, sentinel\.db$/],
      [{ sentinel: { name: 'm', nodes: ['redis://a'], db: -1 } }, /options\.sentinel\.db must be a whole number/],
      [{ url: 'redis://a', tls: {} }, /options\.tls needs rediss:\/\/ URLs in options\.url/],
      [{ url: 'rediss://a', tls: 'yes' }, /options\.tls must be an object/],
      [{ url: 'rediss://a', tls: { ca: 'not pem' } }, /options\.tls\.ca must be PEM text/],
      [{ url: 'rediss://a', tls: { ca: 42 } }, /options\.tls\.ca must be PEM text: a string, a Buffer/],
      [{ url: 'rediss://a', tls: { cert: '-----BEGIN CERTIFICATE-----' } }, /tls\.cert and options\.tls\.key go together/],
      [{ url: 'rediss://a', tls: { rejectUnauthorized: 'no' } }, /tls\.rejectUnauthorized must be true or false/],
      [{ url: 'rediss://a', tls: { servername: 'b' } }, /tls\.servername is not supported/],
      [{ url: 'rediss://a', tls: { ciphers: 'x' } }, /unknown option tls\.ciphers; the known ones are tls\.ca, tls\.cert, tls\.key, tls\.rejectUnauthorized$/],
      [{ nearCache: { size: 1 } }, /unknown option nearCache\.size; the known ones are nearCache\.max$/],
      [{ cluster: [] }, /options\.cluster must be a non-empty array/],
      [{ cluster: 'redis://a' }, /options\.cluster must be a non-empty array/],
      [{ cluster: ['redis://a', 'nope'] }, /options\.cluster\[1\] must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ prefix: 3 }, /options\.prefix must be a string/],
      [{ prefix: '{app}:' }, /options\.prefix must not contain \{ or \}/],
      [{ commandTimeout: 0 }, /options\.commandTimeout must be a whole number of milliseconds/],
      [{ connectTimeout: 'soon' }, /options\.connectTimeout must be a whole number of milliseconds/],
      [{ maxPending: 1.5 }, /options\.maxPending must be a whole number/],
      [{ url: 'redis://127.0.0.1:notaport' }, /RedisStore options\.url: /]
    ]
    for (const [options, message] of bad) {
      it(`throws at once for ${JSON.stringify(options)}`, () => {
        assert.throws(() => RedisStore(options), message)
      })
    }

    // (tls.ca, tls.cert and tls.key, which need real certificates, are in redis-tls.test.js)
    it('refuses no option the README documents', async () => {
      const made = [
        RedisStore({ url: redis.url, prefix: 'p:', nearCache: { max: 1024 }, connectTimeout: 100, commandTimeout: 100, maxPending: 5 }),
        RedisStore({ url: redis.url, nearCache: false }),
        RedisStore({ url: 'rediss://127.0.0.1:1', tls: { rejectUnauthorized: true } }),
        RedisStore({ cluster: ['redis://127.0.0.1:1'], nearCache: false, prefix: 'p:', connectTimeout: 100, commandTimeout: 100, maxPending: 5 }),
        RedisStore({ sentinel: { name: 'm', nodes: ['redis://127.0.0.1:1'], username: 'u', password: 'p', db: 1 }, nearCache: { max: 0 } })
      ]
      await Promise.all(made.map(closeStore))
    })

    it('never puts a password in an options error', () => {
      for (const options of [{ url: 'http://user:hunter2@a' }, { cluster: ['redis://:hunter2@a', 'ftp://:hunter2@b'] },
        { sentinel: { name: 'm', nodes: ['redis://:hunter2@a'], password: 7 } }]) {
        assert.throws(() => RedisStore(options), (err) => !err.message.includes('hunter2'))
      }
    })

    it('takes a URL string, works with and without new, and defaults to redis://127.0.0.1:6379', async () => {
      const a = RedisStore(redis.url)
      const b = new RedisStore({ url: redis.url })
      const c = RedisStore()
      assert.ok(a instanceof RedisStore && b instanceof RedisStore && c instanceof RedisStore)
      assert.strictEqual(a.url, redis.url)
      assert.strictEqual(c.url, 'redis://127.0.0.1:6379')
      await Promise.all([a, b, c].map(closeStore))
    })
  })
})

// Retries `attempt` until it calls back without error (Redis coming back takes a moment).
async function eventually (attempt, tries = 50) {
  let last
  for (let i = 0; i < tries; i++) {
    last = await attempt()
    if (!last.err) return last
    await sleep(100)
  }
  return last
}
