'use strict'

// genericSession.expressStore under real express-session 1.19 on Express 5, over real HTTP with
// a cookie jar, on every store; then what only express-session does (touch, createSession), and
// the store's own contract called directly: all, length, clear, arguments and failures.

const assert = require('assert')
const express = require('express')
const session = require('express-session')
const genericSession = require('..')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { heldRequests } = require('./helpers/held-requests')
const { expressStoreSuite } = require('./helpers/express-store-suite')
const { api } = require('./helpers/store-promises')
const EnumerableMapStore = require('./helpers/enumerable-map-store')
const MapStore = require('./helpers/map-store')

const { setTimeout: sleep } = require('timers/promises')

const HOUR = 60 * 60 * 1000

// An Express app with express-session on `store` and the suite's routes.
function expressApp (store, held, options = {}) {
  const app = express()
  app.use(session({ store, secret: 'a secret', resave: false, saveUninitialized: false, cookie: { maxAge: HOUR }, ...options }))
  const data = (req) => {
    const { cookie, ...rest } = req.session
    return rest
  }
  const count = (req, key) => { req.session[key] = (req.session[key] || 0) + 1 }
  app.get('/read', (req, res) => res.json(data(req)))
  app.get('/count/:key', (req, res) => { count(req, req.params.key); res.json(data(req)) })
  app.get('/del/:key', (req, res) => { delete req.session[req.params.key]; res.json(data(req)) })
  app.get('/hold/:name/count/:key', async (req, res) => {
    await held.hold(req.params.name)
    count(req, req.params.key)
    res.json(data(req))
  })
  app.get('/hold/:name/idle', async (req, res) => {
    await held.hold(req.params.name)
    res.json(data(req))
  })
  app.get('/login/:user', (req, res, next) => req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.user = req.params.user
    res.json(data(req))
  }))
  app.get('/logout', (req, res, next) => req.session.destroy((err) => (err ? next(err) : res.json(null))))
  app.get('/idle', (req, res) => res.json(data(req)))
  return app
}

const framework = {
  start: (store, held, options) => startServer(expressApp(store, held, options)),
  // express-session's cookie is 's:' + sid + '.' + signature, URI-encoded.
  sid: (client) => decodeURIComponent(client.cookie('connect.sid').value).slice(2).split('.')[0]
}

describe('expressStore on express-session (Express 5)', () => {
  expressStoreSuite(framework)

  describe('touch: with resave: false and rolling, an unchanged session is only extended', () => {
    forEveryStore((makeStore) => {
      let app
      afterEach(async () => { if (app) await app.close() })

      it('rolls the cookie and writes only the cookie to the store', async () => {
        const store = makeStore()
        app = await framework.start(genericSession.expressStore(store), heldRequests(), { rolling: true })
        const client = createClient(app.url)
        await client.get('/count/visits')
        const id = 'sess:' + framework.sid(client)
        const before = await api(store).getAll(id)
        await sleep(5) // so that the rewritten cookie differs
        const idle = await client.get('/idle')
        assert.strictEqual(idle.setCookies.length, 1, 'rolling: the cookie is sent again')
        const after = await api(store).getAll(id)
        assert.deepStrictEqual({ ...after, cookie: null }, { ...before, cookie: null }, 'the session\'s data is as it was')
        assert.ok(Date.parse(after.cookie.expires) > Date.parse(before.cookie.expires), 'the stored cookie has the touch\'s expiry')
        assert.deepStrictEqual((await client.get('/read')).body, { visits: 1 })
      })

      it('a session kept alive by touches outlives the cookie of its last save', async () => {
        const store = makeStore()
        const app2 = express()
        app2.use(session({ store: genericSession.expressStore(store), secret: 'a secret', resave: false, saveUninitialized: false, rolling: true }))
        // A short cookie at login, then a touch that gives it an hour (the cookie is not part of
        // what express-session compares, so the session counts as unchanged and is touched).
        app2.get('/login', (req, res) => { req.session.cookie.maxAge = 2000; req.session.user = 'alice'; res.json(null) })
        app2.get('/stay', (req, res) => { req.session.cookie.maxAge = HOUR; res.json(req.session.user || null) })
        app = await startServer(app2)
        const client = createClient(app.url)
        await client.get('/login')
        const stay = await client.get('/stay')
        assert.strictEqual(stay.body, 'alice')
        assert.strictEqual(stay.setCookies.length, 1, 'rolling: the cookie goes out with its hour')
        await sleep(2100) // past the login's cookie, well within the touch's
        assert.strictEqual((await client.get('/stay')).body, 'alice', 'still logged in')
      })
    })

    it('extends the store\'s expiry by the cookie\'s lifetime (the Map store shows its expiries)', async () => {
      const store = new MapStore()
      const app = await framework.start(genericSession.expressStore(store), heldRequests(), { rolling: true })
      try {
        const client = createClient(app.url)
        await client.get('/count/visits')
        const id = 'sess:' + framework.sid(client)
        const written = store.sessions.get(id).expiresAt
        await sleep(5)
        const t0 = Date.now()
        await client.get('/idle')
        const t1 = Date.now()
        const touched = store.sessions.get(id).expiresAt
        assert.ok(touched > written, 'the expiry moved on')
        assert.ok(touched >= t0 + HOUR && touched <= t1 + HOUR, `an hour (the cookie's maxAge) from the request: ${touched - t0 - HOUR}`)
      } finally {
        await app.close()
      }
    })
  })

  describe('reload and save', () => {
    it('a second save in one request writes only what changed since the first', async () => {
      const store = new MapStore()
      const held = heldRequests()
      const app = express()
      app.use(session({ store: genericSession.expressStore(store), secret: 'a secret', resave: false, saveUninitialized: false }))
      app.get('/count/:key', (req, res) => { req.session[req.params.key] = (req.session[req.params.key] || 0) + 1; res.json(null) })
      app.get('/twice', async (req, res, next) => {
        req.session.a = 10
        await new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())))
        await held.hold('T')
        req.session.reload((err) => {
          if (err) return next(err)
          req.session.c = 1
          res.json({ ...req.session, cookie: undefined })
        })
      })
      const server = await startServer(app)
      try {
        const client = createClient(server.url)
        await client.get('/count/b')
        const twice = client.get('/twice')
        await held.arrived('T')
        await client.get('/count/b') // b is 2 now; /twice saved a and holds
        held.release('T')
        assert.deepStrictEqual((await twice).body, { b: 2, a: 10, c: 1 }, 'reload read b as the other request left it')
        const id = 'sess:' + framework.sid(client)
        assert.deepStrictEqual({ ...store.sessions.get(id).data, cookie: undefined }, { a: 10, b: 2, c: 1, cookie: undefined })
      } finally {
        await server.close()
      }
    })
  })

  describe('all, length and clear, on a store with ids, length and clear', () => {
    it('all() gives { sid: session } of the prefix\'s sessions, length() counts them, clear() removes them', async () => {
      const store = new EnumerableMapStore()
      const sessions = genericSession.expressStore(store)
      const app = await framework.start(sessions, heldRequests())
      try {
        const clients = [createClient(app.url), createClient(app.url), createClient(app.url)]
        for (const [i, client] of clients.entries()) await client.get(`/login/user${i}`)
        // The same store under genericSession.middleware ('session:' ids): not express-session's.
        await api(store).set('session:other', 'k', 'v')

        const all = await new Promise((resolve, reject) => sessions.all((err, all) => (err ? reject(err) : resolve(all))))
        assert.deepStrictEqual(Object.keys(all).sort(), clients.map(framework.sid).sort())
        for (const [i, client] of clients.entries()) assert.strictEqual(all[framework.sid(client)].user, `user${i}`)
        assert.strictEqual(await new Promise((resolve, reject) => sessions.length((err, n) => (err ? reject(err) : resolve(n)))), 3)

        await new Promise((resolve, reject) => sessions.clear((err) => (err ? reject(err) : resolve())))
        assert.strictEqual(await new Promise((resolve) => sessions.length((_, n) => resolve(n))), 0)
        for (const client of clients) assert.deepStrictEqual((await client.get('/read')).body, {}, 'logged out')
        assert.deepStrictEqual(await api(store).getAll('session:other'), { k: 'v' }, 'the other prefix\'s session stays')
      } finally {
        await app.close()
      }
    })

    it('with prefix \'\', length() and clear() are the store\'s own (everything it holds)', async () => {
      const store = new EnumerableMapStore()
      const sessions = genericSession.expressStore(store, { prefix: '' })
      const app = await framework.start(sessions, heldRequests())
      try {
        const client = createClient(app.url)
        await client.get('/login/alice')
        await api(store).set('other', 'k', 'v')
        assert.strictEqual(await new Promise((resolve) => sessions.length((_, n) => resolve(n))), 2)
        const all = await new Promise((resolve) => sessions.all((_, all) => resolve(all)))
        assert.deepStrictEqual(Object.keys(all), [framework.sid(client)], 'all() gives sessions only (other has no cookie)')
        await new Promise((resolve) => sessions.clear(resolve))
        assert.strictEqual(store.sessions.size, 0)
      } finally {
        await app.close()
      }
    })

    it('a custom store may answer ids, length, clear and extend with a Promise instead of the callback', async () => {
      const store = new MapStore()
      const extended = []
      store.ids = async () => ['sess:a', 'sess:b', 'session:c']
      store.length = async () => 7
      store.clear = async () => { throw new Error('clear refused') }
      store.extend = async (id, expire) => { extended.push([id, expire]) }
      const sessions = genericSession.expressStore(store)
      const whole = genericSession.expressStore(store, { prefix: '' })
      const answer = (call) => new Promise((resolve) => call((err, value) => resolve({ err, value })))
      assert.deepStrictEqual(await answer((cb) => sessions.length(cb)), { err: null, value: 0 }, 'no session under sess: holds a cookie')
      assert.deepStrictEqual(await answer((cb) => whole.length(cb)), { err: null, value: 7 })
      assert.strictEqual((await answer((cb) => whole.clear(cb))).err.message, 'clear refused')
      // A session without a cookie object is only extended by touch, by the fallback lifetime.
      assert.strictEqual((await answer((cb) => sessions.touch('a', {}, cb))).err, null)
      assert.deepStrictEqual(extended, [['sess:a', 1209600 * 1000]])
    })

    it('a store without them fails all, length and clear with an error naming the method', async () => {
      const sessions = genericSession.expressStore(new MapStore())
      const errorOf = (method) => new Promise((resolve) => sessions[method]((err) => resolve(err)))
      assert.match((await errorOf('all')).message, /all\(\) needs the store's ids\(\) method/)
      assert.match((await errorOf('length')).message, /length\(\) needs the store's ids\(\) method/)
      assert.match((await errorOf('clear')).message, /clear\(\) needs the store's ids\(\) method/)
      const whole = genericSession.expressStore(new MapStore(), { prefix: '' })
      assert.match((await new Promise((resolve) => whole.length(resolve))).message, /length\(\) needs the store's length\(\) method/)
      assert.match((await new Promise((resolve) => whole.clear(resolve))).message, /clear\(\) needs the store's clear\(\) method/)
    })
  })

  describe('all, length and clear on every store', () => {
    forEveryStore((makeStore) => {
      let app
      afterEach(async () => { if (app) await app.close() })

      it('all() and length() see the sessions made over HTTP, clear() ends them', async () => {
        const store = makeStore()
        const sessions = genericSession.expressStore(store)
        if (typeof store.ids !== 'function') { // the custom Map store keeps only the Store API
          return assert.match((await new Promise((resolve) => sessions.all(resolve))).message, /needs the store's ids\(\) method/)
        }
        app = await framework.start(sessions, heldRequests())
        const clients = [createClient(app.url), createClient(app.url)]
        for (const [i, client] of clients.entries()) await client.get(`/login/user${i}`)
        const all = await new Promise((resolve, reject) => sessions.all((err, all) => (err ? reject(err) : resolve(all))))
        assert.deepStrictEqual(Object.keys(all).sort(), clients.map(framework.sid).sort())
        assert.deepStrictEqual(clients.map((c) => all[framework.sid(c)].user), ['user0', 'user1'])
        assert.strictEqual(await new Promise((resolve, reject) => sessions.length((err, n) => (err ? reject(err) : resolve(n)))), 2)
        await new Promise((resolve, reject) => sessions.clear((err) => (err ? reject(err) : resolve())))
        assert.strictEqual(await new Promise((resolve) => sessions.length((_, n) => resolve(n))), 0)
        for (const client of clients) assert.deepStrictEqual((await client.get('/read')).body, {})
      })

      it('length() does not count a session whose cookie has expired, as all() does not list it', async () => {
        const store = makeStore()
        const sessions = genericSession.expressStore(store)
        if (typeof store.ids !== 'function') return // the custom Map store: above
        app = await framework.start(sessions, heldRequests())
        const clients = [createClient(app.url), createClient(app.url)]
        for (const [i, client] of clients.entries()) await client.get(`/login/user${i}`)
        // The first one's cookie ran out (its store expiry, as a MemoryStore's, has not).
        const id = 'sess:' + framework.sid(clients[0])
        const { cookie } = await api(store).getAll(id)
        await api(store).set(id, 'cookie', { ...cookie, expires: new Date(Date.now() - 1000).toISOString() }, HOUR)
        const length = await new Promise((resolve, reject) => sessions.length((err, n) => (err ? reject(err) : resolve(n))))
        const all = await new Promise((resolve, reject) => sessions.all((err, all) => (err ? reject(err) : resolve(all))))
        assert.deepStrictEqual(Object.keys(all), [framework.sid(clients[1])])
        assert.strictEqual(length, 1, 'the live one only, as express-session\'s MemoryStore counts')
      })
    })
  })

  describe('called directly', () => {
    const call = (store, method, ...args) => new Promise((resolve) => store[method](...args, (err, value) => resolve({ err, value })))

    it('bad arguments throw at once, naming the option', () => {
      assert.throws(() => genericSession.expressStore({}), /store must implement the Store API: missing get, getAll, set, del, delAll/)
      assert.throws(() => genericSession.expressStore(null), /store must be an object implementing the Store API/)
      const store = new MapStore()
      assert.throws(() => genericSession.expressStore(store, 'sess:'), /expressStore: options must be an object, got string/)
      assert.throws(() => genericSession.expressStore(store, { prefix: 1 }), /options.prefix must be a string, got number/)
      assert.throws(() => genericSession.expressStore(store, { prefix: '\u0000x' }), /options.prefix must not start with \\u0000/)
      assert.throws(() => genericSession.expressStore(store, { expire: 0 }), /options.expire must be a number of seconds above 0/)
      assert.throws(() => genericSession.expressStore(store, { expire: '60' }), /options.expire must be a number of seconds above 0/)
      assert.throws(() => genericSession.expressStore(store, { ttl: 60 }), /unknown option ttl \(ttl: use expire, in seconds\); the known ones are prefix, expire, expressSession/)
      assert.throws(() => genericSession.expressStore(store, { expressSession: {} }), /options.expressSession must be the express-session module/)
      assert.ok(genericSession.expressStore(store, { expressSession: session }) instanceof session.Store)
    })

    it('is an express-session Store (createSession, load, regenerate, events)', async () => {
      const sessions = genericSession.expressStore(new MapStore())
      assert.ok(sessions instanceof session.Store)
      assert.ifError((await call(sessions, 'set', 'sid', { cookie: { originalMaxAge: HOUR, expires: new Date(Date.now() + HOUR) }, n: 1 })).err)
      const { err, value } = await call(sessions, 'load', 'sid')
      assert.ifError(err)
      assert.strictEqual(value.n, 1)
      assert.ok(value.cookie.expires instanceof Date, 'load made a Session with a Cookie')
    })

    it('a bad session id, or one that starts with \\u0000 where the prefix is \'\', goes to the callback', async () => {
      const sessions = genericSession.expressStore(new MapStore(), { prefix: '' })
      assert.match((await call(sessions, 'get', 42)).err.message, /the session id must be a non-empty string, got number/)
      assert.match((await call(sessions, 'get', '\u0000user:x')).err.message, /must not start with \\u0000/)
      assert.match((await call(sessions, 'set', 'sid', null)).err.message, /set\(\) needs a session object, got null/)
    })

    it('a session JSON cannot carry is refused, and nothing is written', async () => {
      const store = new MapStore()
      const sessions = genericSession.expressStore(store)
      const { err } = await call(sessions, 'set', 'sid', { cookie: {}, n: 1n })
      assert.ok(err instanceof TypeError)
      assert.strictEqual(store.sessions.size, 0)
    })

    it('store failures reach the callback', async () => {
      const failing = new MapStore()
      for (const method of ['get', 'getAll', 'set', 'del', 'delAll', 'extend']) failing[method] = (...args) => args[args.length - 1](new Error(`${method} failed`))
      const sessions = genericSession.expressStore(failing)
      assert.strictEqual((await call(sessions, 'get', 'sid')).err.message, 'getAll failed')
      assert.strictEqual((await call(sessions, 'set', 'sid', { cookie: {}, n: 1 })).err.message, 'set failed')
      assert.strictEqual((await call(sessions, 'touch', 'sid', { cookie: {} })).err.message, 'set failed', 'touch writes the cookie')
      assert.strictEqual((await call(sessions, 'touch', 'sid', {})).err.message, 'extend failed', 'without a cookie, touch only extends')
      assert.strictEqual((await call(sessions, 'destroy', 'sid')).err.message, 'delAll failed')
    })

    it('the cookie sets the lifetime; without expires or maxAge, options.expire does; an expired one is no session', async () => {
      const store = new MapStore()
      const sessions = genericSession.expressStore(store, { expire: 60 })
      const t0 = Date.now()
      await call(sessions, 'set', 'browser', { cookie: { expires: null, originalMaxAge: null }, n: 1 })
      const t1 = Date.now()
      const at = store.sessions.get('sess:browser').expiresAt
      assert.ok(at >= t0 + 60000 && at <= t1 + 60000, 'options.expire, 60 s')

      await call(sessions, 'set', 'old', { cookie: { expires: new Date(Date.now() + HOUR) }, n: 1 })
      store.sessions.get('sess:old').data.cookie.expires = new Date(Date.now() - 1000).toISOString() // its cookie ran out
      assert.deepStrictEqual(await call(sessions, 'get', 'old'), { err: null, value: null })
      assert.strictEqual(store.sessions.has('sess:old'), false, 'and is removed')

      await call(sessions, 'set', 'gone', { cookie: { expires: new Date(Date.now() + HOUR) }, n: 1 })
      await call(sessions, 'set', 'gone', { cookie: { expires: new Date(Date.now() - 1) }, n: 2 })
      assert.strictEqual(store.sessions.has('sess:gone'), false, 'saving an expired session destroys it')
    })

    it('a read of a cookie longer-lived than options.expire extends the store\'s expiry to the cookie\'s', async () => {
      const store = new MapStore()
      const sessions = genericSession.expressStore(store, { expire: 60 })
      const expires = new Date(Date.now() + HOUR)
      await call(sessions, 'set', 'long', { cookie: { expires }, n: 1 })
      assert.strictEqual((await call(sessions, 'get', 'long')).value.n, 1)
      assert.ok(store.sessions.get('sess:long').expiresAt >= expires.getTime(), 'an hour, not 60 s')
    })
  })
})
