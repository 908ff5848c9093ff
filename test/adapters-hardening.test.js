'use strict'

// Issue 13's hardening, through the entry points added after it: generic-session/koa,
// generic-session/fastify, and genericSession.expressStore under real express-session and real
// @fastify/session. Over real HTTP, on every store where the behaviour is the store's:
//   mistakes in the options fail at once with the core's messages; unknown options warn once;
//   hostile cookies are a new session; destroy() racing regenerate() leaves no token with data;
//   keys are stored losslessly and apart from internal records; bad keys are errors that reach
//   the framework's error handling; MemoryStore's cache.max bounds the sessions made through each;
//   and expressStore keeps odd property names and session ids, and a store refuses what it cannot
//   hold without stopping, and every call answers once, whatever a custom store answers.

const assert = require('assert')
const path = require('path')
const { spawnSync } = require('child_process')
const Koa = require('koa')
const Fastify = require('fastify')
const express = require('express')
const expressSession = require('express-session')
const fastifyCookie = require('@fastify/cookie')
const fastifySessionPlugin = require('@fastify/session')
const genericSession = require('..')
const koaSession = require('../koa')
const sessionPlugin = require('../fastify')
const { startServer, createClient, rawGet } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { api } = require('./helpers/store-promises')
const MapStore = require('./helpers/map-store')

const HOUR = 60 * 60 * 1000
const FASTIFY_SECRET = 'a secret of at least thirty-two characters'
const TRIALS = 10

// Keys that UTF-8 conversion would make one, and keys named like the records of a Session or a
// store (the creation time maxLifetime keeps, Redis's tombstone field).
const LOOKALIKES = ['x\uD800', 'x\uDFFF', 'x\uFFFD']
const RECORD_NAMES = ['\u0000created', '\u0000revoked', '\u0000', '\u0000\u0000x']
const KEY_NAMES = [...LOOKALIKES, ...RECORD_NAMES, '']

// What a key must not be: each fails the call with this TypeError.
const BAD_KEYS = [
  [Symbol('k'), 'the session key must be a string or a number, got a symbol'],
  [{ toString () { throw new Error('no string') } }, 'the session key must be a string or a number, got an object'],
  [{ k: 1 }, 'the session key must be a string or a number, got an object']
]

// The session's routes shared by the Koa and Fastify apps: path -> (session, ...params) -> value.
const ROUTES = [
  [/^\/count$/, async (s) => {
    const read = await s.get('count')
    await s.set('count', (read || 0) + 1)
    return { id: s.id, read }
  }],
  [/^\/login$/, (s) => s.set('user', 'alice')],
  [/^\/regenerate$/, async (s) => {
    await s.regenerate()
    return { id: s.id }
  }],
  [/^\/destroy$/, (s) => s.destroy()],
  [/^\/keys$/, async (s) => {
    for (const [i, key] of KEY_NAMES.entries()) await s.set(key, i)
    return Object.entries(await s.getAll())
  }],
  [/^\/all$/, async (s) => Object.entries(await s.getAll())],
  // A bad key awaited (the error goes to the framework) and given a callback (to the callback).
  [/^\/bad\/(\d)$/, (s, i) => s.get(BAD_KEYS[i][0])],
  [/^\/bad-set\/(\d)$/, (s, i) => s.set(BAD_KEYS[i][0], 1)],
  [/^\/bad-callback\/(\d)$/, (s, i) => new Promise((resolve) => s.del(BAD_KEYS[i][0], (err) => resolve({ error: err && err.message })))],
  [/^\/fill\/(\d+)$/, (s, size) => s.set('v', 'x'.repeat(Number(size)))]
]

function route (session, pathname) {
  for (const [pattern, handler] of ROUTES) {
    const m = pathname.match(pattern)
    if (m) return handler(session, ...m.slice(1))
  }
  throw Object.assign(new Error('no such route'), { status: 404 })
}

// The two adapters, each serving ROUTES on a real server; `errors` holds what reached the
// framework's error handling (Koa's app 'error' event, Fastify's onError hook).
const ADAPTERS = [
  {
    name: 'generic-session/koa',
    async start (store, options) {
      const app = new Koa()
      const errors = []
      app.on('error', (err) => errors.push(err))
      app.use(koaSession(store, options))
      app.use(async (ctx) => {
        const value = await route(ctx.session, ctx.path)
        ctx.type = 'application/json'
        ctx.body = JSON.stringify(value ?? null)
      })
      const server = await startServer(app.callback())
      return { url: server.url, errors, close: server.close }
    },
    // Koa's make: the middleware throws.
    make: async (store, options) => { koaSession(store, options) }
  },
  {
    name: 'generic-session/fastify',
    async start (store, options) {
      const app = Fastify()
      const errors = []
      app.addHook('onError', async (request, reply, err) => { errors.push(err) })
      await app.register(sessionPlugin, { store, ...options })
      app.get('/*', async (request, reply) => {
        const value = await route(request.session, request.url)
        reply.type('application/json').send(JSON.stringify(value ?? null))
      })
      const url = await app.listen({ port: 0, host: '127.0.0.1' })
      return { url, errors, close: () => app.close() }
    },
    // Fastify's make: register() rejects (ready() is checked separately).
    make: async (store, options) => { await Fastify().register(sessionPlugin, { store, ...options }) }
  }
]

// The message `fn` throws (the core middleware's, to compare with).
function thrownBy (fn) {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('did not throw')
}

// Warnings of `code` given by a fresh process running `script` (warnings are given once per
// process, so the count is not the mocha process's).
function warningsIn (script, code) {
  const child = spawnSync(process.execPath, ['-e', `
    const warnings = []
    process.on('warning', (w) => { if (w.code === ${JSON.stringify(code)}) warnings.push(w.message) })
    const root = ${JSON.stringify(path.join(__dirname, '..'))}
    ;(async () => { ${script} })().then(() => setImmediate(() => console.log(JSON.stringify(warnings))), (err) => { console.error(err); process.exit(1) })
  `], { encoding: 'utf8', timeout: 30000 })
  assert.strictEqual(child.status, 0, child.stderr)
  return JSON.parse(child.stdout)
}

// `count` new sessions, one per new client, each given 1,000 characters (the apps' /fill route):
// the last client.
async function fillNewSessions (url, count) {
  let last
  for (let i = 0; i < count; i++) {
    last = createClient(url)
    assert.strictEqual((await last.get('/fill/1000')).status, 200)
  }
  return last
}

// A request from a browser holding `cookie` that ignores what comes back.
async function getWith (url, cookie) {
  const res = await fetch(url, { headers: { cookie } })
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text) }
}

// The two frameworks an expressStore serves, each with these routes (JSON answers; a session's
// data as [name, value] entries, which keep names JSON objects would not order as given):
//   /login/:user  sets user          /regenerate   regenerates, carrying user; { sid }
//   /logout       destroys           /names        sets KEY_NAMES[i] = i
//   /read         the data           /count        adds 1 to count; the data
//   /huge         sets a property with a 70,000-character name
//   /fill/:size   sets v, a string of size characters
const EXPRESS_STORE_FRAMEWORKS = [
  {
    name: 'express-session',
    async start (store, options = {}) {
      const app = express()
      app.use(expressSession({ store, secret: 'a secret', resave: false, saveUninitialized: false, cookie: { maxAge: HOUR }, ...options }))
      const data = (req) => {
        const { cookie, ...rest } = req.session
        return Object.entries(rest)
      }
      app.get('/login/:user', (req, res) => { req.session.user = req.params.user; res.json(null) })
      app.get('/regenerate', (req, res, next) => {
        const user = req.session.user
        req.session.regenerate((err) => {
          if (err) return next(err)
          req.session.user = user
          res.json({ sid: req.sessionID })
        })
      })
      app.get('/logout', (req, res, next) => req.session.destroy((err) => (err ? next(err) : res.json(null))))
      app.get('/names', (req, res) => { for (const [i, name] of KEY_NAMES.entries()) req.session[name] = i; res.json(null) })
      app.get('/read', (req, res) => res.json(data(req)))
      app.get('/count', (req, res) => { req.session.count = (req.session.count || 0) + 1; res.json(data(req)) })
      app.get('/huge', (req, res) => { req.session['k'.repeat(70000)] = 1; res.json(null) })
      app.get('/fill/:size', (req, res) => { req.session.v = 'x'.repeat(Number(req.params.size)); res.json(null) })
      const errors = []
      // express-session reports a failed save after the response has been written (its end
      // goes on): then there is nothing left to answer.
      app.use((err, req, res, next) => {
        errors.push(err)
        if (!res.headersSent) res.status(500).json({ error: err.message })
      })
      const server = await startServer(app)
      return { url: server.url, errors, close: server.close }
    },
    // 's:' + sid + '.' + signature, URI-encoded
    sid: (client) => {
      const value = decodeURIComponent(client.cookie('connect.sid').value)
      return value.slice(2, value.lastIndexOf('.'))
    }
  },
  {
    name: '@fastify/session',
    async start (store) {
      const app = Fastify()
      const errors = []
      app.addHook('onError', async (request, reply, err) => { errors.push(err) })
      await app.register(fastifyCookie)
      await app.register(fastifySessionPlugin, { store, secret: FASTIFY_SECRET, saveUninitialized: false, cookie: { secure: false, maxAge: HOUR } })
      const data = (request) => {
        const { cookie, ...rest } = request.session
        return Object.entries(rest)
      }
      app.get('/login/:user', async (request) => { request.session.set('user', request.params.user); return null })
      app.get('/regenerate', async (request) => {
        await request.session.regenerate(['user'])
        return { sid: request.session.sessionId }
      })
      app.get('/logout', async (request) => { await request.session.destroy(); return null })
      app.get('/names', async (request) => { for (const [i, name] of KEY_NAMES.entries()) request.session.set(name, i); return null })
      app.get('/read', async (request) => data(request))
      app.get('/count', async (request) => { request.session.set('count', (request.session.get('count') || 0) + 1); return data(request) })
      app.get('/huge', async (request) => { request.session.set('k'.repeat(70000), 1); return null })
      app.get('/fill/:size', async (request) => { request.session.set('v', 'x'.repeat(Number(request.params.size))); return null })
      const url = await app.listen({ port: 0, host: '127.0.0.1' })
      return { url, errors, close: () => app.close() }
    },
    // sid + '.' + signature, URI-encoded
    sid: (client) => {
      const value = decodeURIComponent(client.cookie('sessionId').value)
      return value.slice(0, value.lastIndexOf('.'))
    }
  }
]

// { err, value } a callback-taking call answered with.
const answer = (call) => new Promise((resolve) => call((err, value) => resolve({ err, value })))

describe('hardening through the adapters and expressStore', function () {
  this.timeout(60000)

  for (const adapter of ADAPTERS) {
    describe(adapter.name, () => {
      describe('mistakes in the options fail at once, with the core middleware\'s messages', () => {
        const store = genericSession.MemoryStore()
        const MISTAKES = [
          { secret: 'a secret' },
          { cookie: { maxAge: HOUR, secure: true } },
          { resave: false },
          { saveUninitialized: false },
          { name: 'sid' },
          { resave: false, saveUninitialized: false, secret: 'x' },
          { keys: 'a secret' },
          { keys: [] },
          { sameSite: 'none' },
          { sameSite: 'none', secure: false },
          { expire: 'soon' }
        ]

        for (const options of MISTAKES) {
          it(`${JSON.stringify(options)}`, async () => {
            const core = thrownBy(() => genericSession.middleware(store, options))
            await assert.rejects(adapter.make(store, options), (err) => {
              assert.strictEqual(err.constructor, core.constructor)
              assert.strictEqual(err.message, core.message)
              return true
            })
          })
        }

        it('an express-session option names its equivalent here', async () => {
          await assert.rejects(adapter.make(store, { name: 'sid' }), { name: 'TypeError', message: 'options.name is an express-session option: use cookieName' })
          await assert.rejects(adapter.make(store, { saveUninitialized: false }), { name: 'TypeError', message: /use lazy/ })
        })

        it('an unknown option warns once, naming it', () => {
          const make = adapter.name === 'generic-session/koa'
            ? 'const koaSession = require(root + \'/koa\'); koaSession(store, { maxAge: 1 }); koaSession(store, { maxAge: 2 })'
            : 'const Fastify = require(\'fastify\'); for (const maxAge of [1, 2]) { const app = Fastify(); app.register(require(root + \'/fastify\'), { store, maxAge }); await app.ready(); await app.close() }'
          const warnings = warningsIn(`const store = require(root).MemoryStore(); ${make}`, 'GENERIC_SESSION_UNKNOWN_OPTION')
          assert.strictEqual(warnings.length, 1, JSON.stringify(warnings))
          assert.match(warnings[0], /^generic-session ignores option maxAge \(maxAge: use expire, in seconds\)/)
        })

        if (adapter.name === 'generic-session/fastify') {
          it('Fastify\'s own register options (logLevel, logSerializers) pass without a warning', () => {
            const make = 'const app = require(\'fastify\')(); app.register(require(root + \'/fastify\'), { store, logLevel: \'warn\', logSerializers: { req: (r) => r } }); await app.ready(); await app.close()'
            assert.deepStrictEqual(warningsIn(`const store = require(root).MemoryStore(); ${make}`, 'GENERIC_SESSION_UNKNOWN_OPTION'), [])
          })

          it('a prefix (meaningless for this plugin, or meant as a key prefix) warns, pointing to idPrefix', () => {
            const make = 'const app = require(\'fastify\')(); app.register(require(root + \'/fastify\'), { store, prefix: \'sess:\' }); await app.ready(); await app.close()'
            const warnings = warningsIn(`const store = require(root).MemoryStore(); ${make}`, 'GENERIC_SESSION_UNKNOWN_OPTION')
            assert.strictEqual(warnings.length, 1, JSON.stringify(warnings))
            assert.match(warnings[0], /^generic-session ignores option prefix \(prefix: use idPrefix/)
          })
        }
      })

      forEveryStore((makeStore, kind) => {
        let server
        afterEach(async () => {
          if (server) await server.close()
          server = null
        })

        it('a hostile cookie is a new session, even where the store holds data under its value', async () => {
          const store = makeStore()
          server = await adapter.start(store, undefined)
          const hostile = ['a'.repeat(15000), 'abc def', 'x"y\\z', 'a'.repeat(257), 'ab%2Fcd']
          for (const value of hostile) await api(store).set('session:' + value, 'count', 41)
          for (const value of hostile) {
            const { status, body, setCookies } = await rawGet(server.url + '/count', { cookie: `s=${value}` })
            assert.strictEqual(status, 200, JSON.stringify(body))
            assert.strictEqual(body.read, undefined, `${value.slice(0, 20)}: no data read`)
            assert.notStrictEqual(body.id, 'session:' + value)
            assert.match(body.id, /^session:[A-Za-z0-9+/_-]{1,256}={0,2}$/)
            assert.strictEqual(setCookies.filter((line) => line.startsWith('s=')).length, 1, 'a new cookie')
          }
          assert.deepStrictEqual(server.errors, [])
        })

        it('a forged signature is a new session', async () => {
          const store = makeStore()
          server = await adapter.start(store, { keys: ['k'] })
          const client = createClient(server.url)
          await client.get('/count')
          const token = client.cookie('s').value
          assert.strictEqual((await client.get('/count')).body.read, 1)
          for (const sig of ['AAAAAAAAAAAAAAAAAAAAAAAAAAA', '', client.cookie('s.sig').value.slice(1)]) {
            const { status, body } = await rawGet(server.url + '/count', { cookie: `s=${token}; s.sig=${sig}` })
            assert.strictEqual(status, 200)
            assert.strictEqual(body.read, undefined)
            assert.notStrictEqual(body.id, 'session:' + token)
          }
          assert.strictEqual((await api(store).getAll('session:' + token)).count, 2, 'the real session is untouched')
        })

        // A custom store without move gets the old steps, whose risk README states.
        if (!kind.custom) {
          it(`destroy() racing regenerate() on one cookie leaves neither token with data (${TRIALS} trials)`, async () => {
            const store = makeStore()
            server = await adapter.start(store, { keys: ['k'] })
            for (let trial = 0; trial < TRIALS; trial++) {
              const browser = createClient(server.url)
              await browser.get('/login')
              const oldId = 'session:' + browser.cookie('s').value
              assert.strictEqual(await api(store).get(oldId, 'user'), 'alice')
              const cookie = browser.jar.getCookieStringSync(server.url)
              const [regenerated, destroyed] = await Promise.all([getWith(server.url + '/regenerate', cookie), getWith(server.url + '/destroy', cookie)])
              assert.strictEqual(regenerated.status, 200, JSON.stringify(regenerated.body))
              assert.strictEqual(destroyed.status, 200, JSON.stringify(destroyed.body))
              assert.deepStrictEqual(await api(store).getAll(oldId), {}, `trial ${trial}: the old token reads nothing`)
              assert.deepStrictEqual(await api(store).getAll(regenerated.body.id), {}, `trial ${trial}: the new token reads nothing`)
            }
          })

          it('keys that differ only in lone surrogates, and keys named like internal records, are keys of their own', async () => {
            const store = makeStore()
            // maxLifetime: the Session keeps its own \u0000created record beside the application's.
            server = await adapter.start(store, { maxLifetime: 3600 })
            const client = createClient(server.url)
            const { status, body } = await client.get('/keys')
            assert.strictEqual(status, 200, JSON.stringify(body))
            assert.deepStrictEqual(new Map(body), new Map(KEY_NAMES.map((key, i) => [key, i])))
            assert.deepStrictEqual(new Map((await client.get('/all')).body), new Map(KEY_NAMES.map((key, i) => [key, i])), 'and on the next request')
            const stored = await api(store).getAll((await client.get('/count')).body.id)
            assert.strictEqual(typeof stored['\u0000created'], 'number', 'the Session\'s creation record is intact')
            assert.strictEqual(stored['\u0000\u0000created'], 3, 'the application\'s key of that name is escaped')
          })
        }

        // A custom store decides what keys it takes (README, Store API).
        if (!kind.custom) {
          it('a bad key is an error for the framework\'s error handling, or the callback; never a crash', async () => {
            const store = makeStore()
            server = await adapter.start(store, undefined)
            const client = createClient(server.url)
            for (const [i, [, message]] of BAD_KEYS.entries()) {
              for (const path of [`/bad/${i}`, `/bad-set/${i}`]) {
                const { status, body } = await client.get(path)
                assert.strictEqual(status, 500, path)
                if (adapter.name === 'generic-session/fastify') {
                // Fastify's default error handler answers the error's message and code.
                  assert.strictEqual(body.message, message)
                  assert.strictEqual(body.code, undefined, 'no N-API code leaks')
                }
              }
              assert.deepStrictEqual((await client.get(`/bad-callback/${i}`)).body, { error: message })
            }
            assert.strictEqual(server.errors.length, 2 * BAD_KEYS.length)
            for (const err of server.errors) {
              assert.ok(err instanceof TypeError, err.stack)
              assert.notStrictEqual(err.code, 'GenericFailure')
            }
            assert.strictEqual((await client.get('/count')).status, 200, 'the server goes on')
          })
        }
      })

      it('MemoryStore\'s cache.max bounds the sessions made through it', async () => {
        const max = 64 * 1024
        const store = genericSession.MemoryStore({ cache: { max } })
        const server = await adapter.start(store, undefined)
        try {
          const written = 400
          const last = await fillNewSessions(server.url, written)
          assert.ok(store.bytes <= max, `${store.bytes} bytes held, max ${max}`)
          assert.ok(store.size < written, `${store.size} of ${written} sessions held`)
          assert.strictEqual((await last.get('/count')).body.read, undefined)
          assert.strictEqual((await last.get('/count')).body.read, 1, 'the newest session is there')
        } finally {
          await server.close()
        }
      })
    })
  }

  describe('generic-session/fastify at ready()', () => {
    it('a mistake not awaited at register() rejects ready() and listen()', async () => {
      const core = thrownBy(() => genericSession.middleware(genericSession.MemoryStore(), { resave: true }))
      const app = Fastify()
      app.register(sessionPlugin, { store: genericSession.MemoryStore(), resave: true })
      await assert.rejects(app.ready(), { message: core.message })
      const other = Fastify()
      other.register(sessionPlugin, { store: genericSession.MemoryStore(), keys: 'secret' })
      await assert.rejects(other.listen({ port: 0, host: '127.0.0.1' }), /^Error: invalid keys provided/)
    })
  })
  describe('generic-session/koa: koaSession(store, { store })', () => {
    it('names koaSession(store, options), where the store goes', () => {
      const store = genericSession.MemoryStore()
      assert.throws(() => koaSession(store, { store }), { name: 'TypeError', message: /^options\.store is an express-session option: pass the store as the first argument: koaSession\(store, options\)$/ })
    })
  })

  describe('expressStore', () => {
    for (const framework of EXPRESS_STORE_FRAMEWORKS) {
      describe(`under ${framework.name}`, () => {
        forEveryStore((makeStore, kind) => {
          let server
          afterEach(async () => {
            if (server) await server.close()
            server = null
          })

          // express-session's regenerate is store.destroy(old) and a new session in memory, saved
          // when the response goes; @fastify/session's saves it at once, with the keys it is asked
          // to carry. Neither tells the store where the new session came from, so a logout of
          // the old sid cannot reach it (README, expressStore).
          it(`regenerate() racing destroy() on one cookie: the old sid reads nothing; the new one at most what the regenerating request carried (${TRIALS} trials)`, async () => {
            const store = makeStore()
            server = await framework.start(genericSession.expressStore(store))
            const outcomes = new Set()
            for (let trial = 0; trial < TRIALS; trial++) {
              const browser = createClient(server.url)
              await browser.get('/login/alice')
              const oldSid = framework.sid(browser)
              assert.strictEqual((await api(store).getAll('sess:' + oldSid)).user, 'alice')
              const cookie = browser.jar.getCookieStringSync(server.url)
              const [regenerated, destroyed] = await Promise.all([getWith(server.url + '/regenerate', cookie), getWith(server.url + '/logout', cookie)])
              assert.strictEqual(regenerated.status, 200, JSON.stringify(regenerated.body))
              assert.strictEqual(destroyed.status, 200, JSON.stringify(destroyed.body))
              assert.deepStrictEqual(await api(store).getAll('sess:' + oldSid), {}, `trial ${trial}: the old sid reads nothing`)
              const { cookie: _, ...carried } = await api(store).getAll('sess:' + regenerated.body.sid)
              assert.ok(Object.keys(carried).length === 0 || (carried.user === 'alice' && Object.keys(carried).length === 1), `trial ${trial}: ${JSON.stringify(carried)}`)
              outcomes.add(carried.user || 'nothing')
            }
            assert.ok(outcomes.size >= 1)
          })

          it('property names that are lone surrogates, start with NUL or are named like records round-trip exactly', async () => {
            const store = makeStore()
            server = await framework.start(genericSession.expressStore(store))
            const client = createClient(server.url)
            assert.strictEqual((await client.get('/names')).status, 200)
            const expected = new Map(KEY_NAMES.map((name, i) => [name, i]))
            assert.deepStrictEqual(new Map((await client.get('/read')).body), expected)
            const { cookie, ...stored } = await api(store).getAll('sess:' + framework.sid(client))
            assert.strictEqual(typeof cookie, 'object')
            assert.deepStrictEqual(new Map(Object.entries(stored)), expected, 'one store key per property, as named')
          })

          it('a property name past what the store can hold is an error for that request; the store keeps serving', async () => {
            const store = makeStore()
            server = await framework.start(genericSession.expressStore(store))
            const client = createClient(server.url)
            await client.get('/huge')
            // (express-session hands a failed save to the error handler in a setImmediate after
            // the response, which has run by the time the next request is read)
            const { body } = await client.get('/read')
            if (server.errors.length > 0) {
              assert.match(server.errors[0].message, /too long to store/, kind.name)
              assert.deepStrictEqual(body, [])
            } else {
              assert.deepStrictEqual(body.map(([name, value]) => [name.length, value]), [[70000, 1]], 'saved, then')
            }
            const other = createClient(server.url)
            for (const n of [1, 2]) assert.deepStrictEqual((await other.get('/count')).body, [['count', n]], 'another session still works')
          })
        })

        it('MemoryStore\'s cache.max bounds the sessions made through it', async () => {
          const max = 64 * 1024
          const store = genericSession.MemoryStore({ cache: { max } })
          const server = await framework.start(genericSession.expressStore(store))
          try {
            const written = 400
            const last = await fillNewSessions(server.url, written)
            assert.ok(store.bytes <= max, `${store.bytes} bytes held, max ${max}`)
            assert.ok(store.size < written, `${store.size} of ${written} sessions held`)
            assert.deepStrictEqual((await last.get('/count')).body.map(([key]) => key), ['v', 'count'], 'the newest session is there')
          } finally {
            await server.close()
          }
        })
      })
    }

    describe('options, checked when the store is made', () => {
      const store = new MapStore()

      it('a bad prefix names the option and what it got', () => {
        for (const [prefix, got] of [[1, 'number'], [null, 'null'], [{}, 'object'], [Symbol('p'), 'symbol'], [['sess:'], 'object']]) {
          assert.throws(() => genericSession.expressStore(store, { prefix }), { name: 'TypeError', message: `expressStore: options.prefix must be a string, got ${got}` })
        }
      })

      it('an unknown option throws naming it, and other stores\' names say what to use here', () => {
        assert.throws(() => genericSession.expressStore(store, { disableTouch: true }), { name: 'TypeError', message: 'expressStore: unknown option disableTouch; the known ones are prefix, expire, expressSession' })
        assert.throws(() => genericSession.expressStore(store, { ttl: 60, idPrefix: 'x' }), /unknown options ttl, idPrefix \(ttl: use expire, in seconds; idPrefix: use prefix\)/)
      })

      it('express-session\'s own options given to the store say where they go', () => {
        for (const name of ['secret', 'cookie', 'resave', 'saveUninitialized', 'name', 'genid', 'rolling', 'store']) {
          assert.throws(() => genericSession.expressStore(store, { [name]: 'x' }), {
            name: 'TypeError',
            message: `expressStore: unknown option ${name} (${name}: an option of express-session's session({ store: expressStore(...), ${name} }), not of the store); the known ones are prefix, expire, expressSession`
          })
        }
      })
    })

    describe('session ids from a custom genid (express-session)', () => {
      const SIDS = ['a b', 'x"y\\z', 'a}b{c', '{x}', 'é☃', 'a\u0000b', '*?[', 'sess:x', '../x', 'x'.repeat(2000)]

      forEveryStore((makeStore) => {
        it('each odd sid is a session of its own: read, listed, destroyed apart', async () => {
          const store = makeStore()
          const sessions = genericSession.expressStore(store)
          const queue = [...SIDS]
          const server = await EXPRESS_STORE_FRAMEWORKS[0].start(sessions, { genid: () => queue.shift() })
          try {
            const clients = []
            for (const sid of SIDS) {
              const client = createClient(server.url)
              await client.get('/login/' + encodeURIComponent(sid))
              assert.strictEqual(EXPRESS_STORE_FRAMEWORKS[0].sid(client), sid)
              clients.push(client)
            }
            for (const [i, client] of clients.entries()) assert.deepStrictEqual((await client.get('/read')).body, [['user', SIDS[i]]], JSON.stringify(SIDS[i]))
            for (const sid of SIDS) assert.strictEqual((await api(store).getAll('sess:' + sid)).user, sid)
            if (typeof store.ids === 'function') {
              const all = await new Promise((resolve, reject) => sessions.all((err, all) => (err ? reject(err) : resolve(all))))
              assert.deepStrictEqual(Object.keys(all).sort(), [...SIDS].sort())
            }
            assert.strictEqual((await clients[2].get('/logout')).status, 200)
            assert.deepStrictEqual(await api(store).getAll('sess:' + SIDS[2]), {})
            for (const [i, client] of clients.entries()) if (i !== 2) assert.deepStrictEqual((await client.get('/read')).body, [['user', SIDS[i]]])
          } finally {
            await server.close()
          }
        })

        it('sids that differ only in lone surrogates are sessions of their own (called directly)', async () => {
          const store = makeStore()
          const sessions = genericSession.expressStore(store)
          for (const [i, sid] of LOOKALIKES.entries()) assert.ifError(await answer((cb) => sessions.set(sid, { cookie: { maxAge: HOUR }, n: i }, cb)).then((a) => a.err))
          for (const [i, sid] of LOOKALIKES.entries()) assert.strictEqual((await answer((cb) => sessions.get(sid, cb))).value.n, i, JSON.stringify(sid))
        })
      })
    })
    describe('a custom store\'s odd answers are errors to the callback, never thrown', () => {
      // A Map store whose getAll answers `record` for every session, and whose ids() answers `ids`.
      const oddStore = (record, ids) => {
        const store = new MapStore()
        if (record) store.getAll = (id, expire, cb) => setImmediate(cb, null, record())
        if (ids !== undefined) store.ids = (cb) => setImmediate(cb, null, ids)
        return store
      }
      const cyclic = () => {
        const record = { cookie: { maxAge: HOUR }, n: 1 }
        record.self = record
        return record
      }
      const ANSWERS = [
        ['a cyclic session', cyclic, /circular/],
        ['a BigInt', () => ({ cookie: { maxAge: HOUR }, n: 1n }), /BigInt/],
        ['a cookie whose expires getter throws', () => ({ cookie: { get expires () { throw new Error('no expiry') } } }), /no expiry/]
      ]

      for (const [what, record, message] of ANSWERS) {
        it(`getAll answering ${what}: express-session's request gets the error`, async () => {
          const server = await EXPRESS_STORE_FRAMEWORKS[0].start(genericSession.expressStore(oddStore(record)))
          try {
            const client = createClient(server.url)
            await client.get('/login/alice')
            const { status, body } = await client.get('/read')
            assert.strictEqual(status, 500)
            assert.match(body.error, message)
          } finally {
            await server.close()
          }
        })
      }

      for (const ids of [null, 'sess:a', { length: 1 }]) {
        it(`ids() answering ${JSON.stringify(ids)}: all(), length() and clear() call back with an error`, async () => {
          const sessions = genericSession.expressStore(oddStore(null, ids))
          for (const method of ['all', 'length', 'clear']) {
            const { err } = await answer((cb) => sessions[method](cb))
            assert.ok(err instanceof TypeError, `${method}: ${err}`)
            assert.match(err.message, /the store's ids\(\) answered .*, not an array of ids/)
          }
        })
      }
    })
    describe('called directly, a session that throws as it is read', () => {
      const throwing = () => ({ get cookie () { throw new Error('no cookie') }, n: 1 })
      const symbolThrowing = () => Object.defineProperty({ cookie: { maxAge: HOUR } }, Symbol('held'), { enumerable: true, get () { throw new Error('no symbol') } })

      forEveryStore((makeStore) => {
        it('set() and touch() call back with the error, never throw, and write nothing', async () => {
          const store = makeStore()
          const sessions = genericSession.expressStore(store)
          for (const [method, session, message] of [['set', throwing(), /no cookie/], ['touch', throwing(), /no cookie/], ['set', symbolThrowing(), /no symbol/]]) {
            let result
            assert.doesNotThrow(() => { result = answer((cb) => sessions[method]('sid', session, cb)) }, method)
            const { err } = await result
            assert.match(String(err && err.message), message, method)
          }
          assert.deepStrictEqual(await api(store).getAll('sess:sid'), {})
        })
      })
    })
  })
})
