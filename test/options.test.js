'use strict'

// Options and stores: bad ones throw synchronously naming what is wrong; good ones work; a
// misbehaving store's errors reach the callback, asynchronously.

const assert = require('assert')
const Keygrip = require('keygrip')
const genericSession = require('..')
const MemoryStore = require('../memory-store')
const MapStore = require('./helpers/map-store')
const { stubRequest, stubResponse } = require('./helpers/stubs')
const { setTimeout: sleep } = require('timers/promises')
const { execFileSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')

const cookieValues = (lines) => Object.fromEntries([].concat(lines || []).map((line) => {
  const pair = line.split(';')[0]
  const eq = pair.indexOf('=')
  return [pair.slice(0, eq), pair.slice(eq + 1)]
}))

// The two entry points that take options: both must refuse bad ones synchronously.
const entryPoints = {
  'genericSession(req, res, store, options)': (store, options) => genericSession(stubRequest(), stubResponse(), store, options),
  'middleware(store, options)': (store, options) => genericSession.middleware(store, options),
  'filter(store, options)': (store, options) => genericSession.filter(store, options)
}

// Every invalid keys message starts with the original's words, which callers may match.
const INVALID_KEYS = 'invalid keys provided: keys must be an array of secret strings or a Keygrip-like object'
const badOptions = [
  ['keys', [], new RegExp(`^${INVALID_KEYS}; got an empty array$`)],
  ['keys', [1], new RegExp(`^${INVALID_KEYS}; keys\\[0\\] is a number, not a non-empty string or Buffer$`)],
  ['keys', ['a', ''], new RegExp(`^${INVALID_KEYS}; keys\\[1\\] is an empty string`)],
  ['keys', 'str', new RegExp(`^${INVALID_KEYS}$`)],
  ['keys', {}, new RegExp(`^${INVALID_KEYS}; got an object without sign, verify and index methods$`)],
  ['keys', true, new RegExp(`^${INVALID_KEYS}; got a boolean$`)],
  ['keys', [{}], new RegExp(`^${INVALID_KEYS}; keys\\[0\\] is an object`)],
  ['cookies', {}, /cookies/],
  ['cookies', { get () {} }, /cookies/],
  ['cookies', { set () {} }, /cookies/],
  ['expire', 0, /expire/],
  ['expire', -1, /expire/],
  ['expire', 'abc', /expire/],
  ['expire', NaN, /expire/],
  ['expire', Infinity, /expire/],
  ['cookieName', '', /cookieName/],
  ['cookieName', 'a b', /cookieName/],
  ['cookieName', 'a;b', /cookieName/],
  ['cookieName', 'a=b', /cookieName/],
  ['cookieName', 5, /cookieName/],
  ['idPrefix', 5, /idPrefix/],
  ['idPrefix', {}, /idPrefix/]
]

describe('options', () => {
  for (const [entry, call] of Object.entries(entryPoints)) {
    describe(`bad options given to ${entry}`, () => {
      for (const [name, value, message] of badOptions) {
        const shown = typeof value === 'function' ? 'a function' : (Number.isNaN(value) ? 'NaN' : JSON.stringify(value) || String(value))
        it(`throws synchronously for ${name}: ${shown}`, () => {
          const store = genericSession.MemoryStore()
          assert.throws(() => call(store, { [name]: value }), (err) => {
            assert.ok(err instanceof Error)
            assert.match(err.message, message)
            return true
          })
        })
      }

      for (const options of ['str', 42]) {
        it(`throws when options is not an object: ${JSON.stringify(options)}`, () => {
          assert.throws(() => call(genericSession.MemoryStore(), options), /options/)
        })
      }

      it('throws Error (not only TypeError) starting with the original\'s message for keys', () => {
        for (const keys of [[], 'a secret', {}]) {
          assert.throws(() => call(genericSession.MemoryStore(), { keys }), (err) => {
            assert.strictEqual(err.name, 'Error')
            assert.ok(err.message.startsWith('invalid keys provided'), err.message)
            return true
          })
        }
      })

      it('says keys must be an array for a lone secret string (as express-session\'s secret would be), never showing it', () => {
        assert.throws(() => call(genericSession.MemoryStore(), { keys: 'hunter2' }), (err) => {
          assert.strictEqual(err.message, INVALID_KEYS)
          return true
        })
      })

      describe('express-session\'s options throw, saying what to use instead', () => {
        const ported = [
          ['secret', 'a secret', /^options\.secret is an express-session option: use keys, an array of secrets, newest first: \{ keys: \['a secret'\] \} \(secret alone would leave cookies unsigned\)$/],
          ['cookie', { secure: false }, /^options\.cookie is an express-session option: the cookie's attributes are top-level options here: expire \(seconds, where cookie\.maxAge was milliseconds\), path, domain, secure, sameSite, httpOnly; for this cookie: \{ secure: false \}$/],
          ['cookie', { maxAge: 86400000, path: '/app', httpOnly: true, sameSite: 'strict', domain: 'example.com' },
            /for this cookie: \{ expire: 86400, path: '\/app', domain: 'example\.com', sameSite: 'strict', httpOnly: true \}$/],
          ['saveUninitialized', false, /^options\.saveUninitialized is an express-session option: use lazy \(saveUninitialized: false is lazy: true\)$/],
          ['resave', false, /^options\.resave is an express-session option: not needed: only the keys a request sets are written; remove it$/],
          ['name', 'sid', /^options\.name is an express-session option: use cookieName$/],
          ['rolling', true, /^options\.rolling is an express-session option: not needed: the expiry is refreshed on every request; remove it$/],
          ['genid', () => 'id', /^options\.genid is an express-session option: no equivalent: session ids are generated natively \(30 random bytes\); remove it$/],
          ['store', genericSession.MemoryStore(), /^options\.store is an express-session option: pass the store as the first argument: middleware\(store, options\), or genericSession\(req, res, store, options\)$/],
          ['unset', 'destroy', /^options\.unset is an express-session option: not an option here: to remove data, call session\.del\(key\) or session\.destroy\(\); remove it$/],
          ['proxy', true, /^options\.proxy is an express-session option: use trustProxy$/]
        ]
        for (const [name, value, message] of ported) {
          it(`${name}: ${typeof value === 'object' ? JSON.stringify(value) || 'a store' : String(value)}`, () => {
            assert.throws(() => call(genericSession.MemoryStore(), { keys: ['k'], [name]: value }), (err) => {
              assert.ok(err instanceof TypeError, String(err))
              assert.match(err.message, message)
              return true
            })
          })
        }

        it('names every one given at once, each with its fix', () => {
          const options = { secret: 'x', resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } }
          assert.throws(() => call(genericSession.MemoryStore(), options), (err) => {
            assert.ok(err instanceof TypeError)
            assert.strictEqual(err.message, [
              'options secret, resave, saveUninitialized, cookie are express-session options:',
              "  secret: use keys, an array of secrets, newest first: { keys: ['a secret'] } (secret alone would leave cookies unsigned)",
              '  resave: not needed: only the keys a request sets are written; remove it',
              '  saveUninitialized: use lazy (saveUninitialized: false is lazy: true)',
              "  cookie: the cookie's attributes are top-level options here: expire (seconds, where cookie.maxAge was milliseconds), path, domain, secure, sameSite, httpOnly; for this cookie: { expire: 60 }"
            ].join('\n'))
            return true
          })
        })

        it('leaves one given as undefined alone', () => {
          assert.doesNotThrow(() => call(genericSession.MemoryStore(), { secret: undefined, name: undefined }))
        })
      })
    })

    describe(`bad stores given to ${entry}`, () => {
      const complete = () => ({ get () {}, getAll () {}, set () {}, del () {}, delAll () {} })
      const badStores = [
        ['null', null, /store/],
        ['undefined', undefined, /store/],
        ['a string', 'store', /store/],
        ['{}', {}, /store/],
        ['an object missing delAll', (() => { const s = complete(); delete s.delAll; return s })(), /store.*delAll/],
        ['an object missing get and set', (() => { const s = complete(); delete s.get; delete s.set; return s })(), /store.*get.*set/],
        ['an object whose getAll is not a function', Object.assign(complete(), { getAll: 'nope' }), /store.*getAll/]
      ]
      for (const [what, store, message] of badStores) {
        it(`throws synchronously for ${what}`, () => {
          assert.throws(() => call(store, undefined), (err) => {
            assert.ok(err instanceof Error)
            assert.match(err.message, message)
            return true
          })
        })
      }

      it('accepts a store with the five methods and no extend', () => {
        assert.doesNotThrow(() => call(complete(), undefined))
      })
    })
  }

  describe('MemoryStore options', () => {
    const bad = [
      ['cache.max 0', { cache: { max: 0 } }, /cache\.max/],
      ['cache.max -1', { cache: { max: -1 } }, /cache\.max/],
      ['cache.max \'x\'', { cache: { max: 'x' } }, /cache\.max/],
      ['cache.max NaN', { cache: { max: NaN } }, /cache\.max/],
      ['cache.maxAge 0', { cache: { maxAge: 0 } }, /cache\.maxAge/],
      ['cache.maxAge -5', { cache: { maxAge: -5 } }, /cache\.maxAge/],
      ['cache.maxAge \'x\'', { cache: { maxAge: 'x' } }, /cache\.maxAge/],
      ['cache a string', { cache: 'x' }, /cache/],
      ['cache a number', { cache: 5 }, /cache/],
      ['options a string', 'x', /options/]
    ]
    for (const [what, options, message] of bad) {
      it(`throws naming the option for ${what}, with or without new`, () => {
        assert.throws(() => MemoryStore(options), message)
        assert.throws(() => new MemoryStore(options), message)
        assert.throws(() => genericSession.MemoryStore(options), message)
      })
    }

    it('accepts no options, {}, an empty cache and valid numbers', () => {
      for (const options of [undefined, null, {}, { cache: {} }, { cache: { max: 1024, maxAge: 1000 } }]) {
        const store = MemoryStore(options)
        assert.strictEqual(typeof store.get, 'function')
      }
    })
  })

  describe('valid options', () => {
    it('keys as Buffers sign as the same strings would', () => {
      const res = stubResponse()
      const session = genericSession(stubRequest(), res, genericSession.MemoryStore(), { keys: [Buffer.from('k1')] })
      const values = cookieValues(res.headers['set-cookie'])
      assert.strictEqual(values.s, session.token)
      assert.strictEqual(values['s.sig'], new Keygrip(['k1']).sign('s=' + session.token))
      // and a pair signed with the string key is accepted
      const token = 'AbCdEfGh'
      const accepted = genericSession(stubRequest(`s=${token}; s.sig=${new Keygrip(['k1']).sign('s=' + token)}`), stubResponse(), genericSession.MemoryStore(), { keys: [Buffer.from('k1')] })
      assert.strictEqual(accepted.token, token)
    })

    for (const keys of [undefined, null, false, 0, '']) {
      it(`falsy keys (${JSON.stringify(keys)}) mean unsigned cookies`, () => {
        const res = stubResponse()
        const session = genericSession(stubRequest('s=unsignedToken'), res, genericSession.MemoryStore(), { keys })
        assert.strictEqual(session.token, 'unsignedToken')
        assert.strictEqual(res.headers['set-cookie'].length, 1)
        assert.deepStrictEqual(Object.keys(cookieValues(res.headers['set-cookie'])), ['s'])
      })
    }

    it('ignores unknown options (with a warning, below), keeping them on session.options as the original did', () => {
      const res = stubResponse()
      const session = genericSession(stubRequest(), res, genericSession.MemoryStore(), { foo: 1, signed: 'whatever', maxAge: -1 })
      assert.match(session.token, /^[A-Za-z0-9+/]{40}$/)
      assert.strictEqual(session.options.foo, 1)
      assert.strictEqual(session.options.cookieName, 's')
      assert.strictEqual(res.headers['set-cookie'].length, 1)
      const filter = genericSession.middleware(genericSession.MemoryStore(), { foo: 1 })
      let called = false
      filter(stubRequest(), stubResponse(), () => { called = true })
      assert.ok(called)
    })

    it('reads expire in seconds for the cookie and passes milliseconds to the store', async () => {
      const calls = []
      const store = new MapStore()
      const recording = {
        get: (...args) => { calls.push(['get', ...args.slice(0, -1)]); store.get(...args) },
        getAll: (...args) => { calls.push(['getAll', ...args.slice(0, -1)]); store.getAll(...args) },
        set: (...args) => { calls.push(['set', ...args.slice(0, -1)]); store.set(...args) },
        del: (...args) => { calls.push(['del', ...args.slice(0, -1)]); store.del(...args) },
        delAll: (...args) => { calls.push(['delAll', ...args.slice(0, -1)]); store.delAll(...args) },
        extend: (...args) => { calls.push(['extend', ...args]); store.extend(...args) }
      }
      const res = stubResponse()
      const before = Date.now()
      const session = genericSession(stubRequest(), res, recording, { expire: 60 })
      const after = Date.now()
      assert.ok(session.expire.getTime() >= before + 60000 && session.expire.getTime() <= after + 60000)
      const line = res.headers['set-cookie'][0]
      const expires = Date.parse(/expires=([^;]+)/.exec(line)[1])
      assert.strictEqual(expires, Math.floor(session.expire.getTime() / 1000) * 1000)
      assert.ok(expires > before + 58000 && expires <= after + 60000, line)

      await session.set('k', 'v')
      assert.strictEqual(await session.get('k'), 'v')
      await session.getAll()
      await session.del('k')
      await session.delAll()
      const id = session.id
      assert.deepStrictEqual(calls, [
        ['set', id, 'k', 'v', 60000],
        ['get', id, 'k', 60000],
        ['getAll', id, 60000],
        ['del', id, 'k', 60000],
        ['delAll', id]
      ])
    })

    it('passes the default two weeks to the store as 1209600000 ms', async () => {
      let seen
      const store = new MapStore()
      const origSet = store.set.bind(store)
      store.set = (id, key, value, expire, cb) => { seen = expire; origSet(id, key, value, expire, cb) }
      const session = genericSession(stubRequest(), stubResponse(), store)
      await session.set('a', 1)
      assert.strictEqual(seen, 1209600000)
    })
  })
})

// Warnings are once per kind per process: each case runs in a fresh one and reports what it got.
describe('warnings for what code written for 0.1.2 may pass (GenericSessionWarning, once per kind)', () => {
  const UNKNOWN = 'GENERIC_SESSION_UNKNOWN_OPTION'
  const EXPIRE = 'GENERIC_SESSION_EXPIRE_OVER_400_DAYS'
  const KNOWN_LIST = 'keys, cookies, expire, cookieName, idPrefix, sameSite, secure, trustProxy, domain, path, partitioned, priority, httpOnly, lazy, strict, maxLifetime, users, maxSessions'

  // The warnings `script` emits in a process of its own, with `genericSession`, `store`, `req()`
  // and `res()` in scope.
  function warningsOf (script) {
    const prelude = `const genericSession = require(${JSON.stringify(require.resolve('..'))})
      const store = genericSession.MemoryStore()
      const req = () => ({ headers: {}, connection: { encrypted: false } })
      const res = () => ({ getHeader () {}, setHeader () {} })
      const warnings = []
      process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }))
      process.on('exit', () => process.stdout.write(JSON.stringify(warnings)))
`
    const out = execFileSync(process.execPath, ['--no-warnings', '-e', prelude + script], { encoding: 'utf8', timeout: 20000 })
    return JSON.parse(out)
  }

  it('an unknown option warns once, naming it and the options read, however many follow', () => {
    const warnings = warningsOf(`
      genericSession.middleware(store, { foo: 1 })
      genericSession.middleware(store, { bar: 2 })
      genericSession(req(), res(), store, { baz: 3 })
      genericSession.filter(store, { foo: 4 })`)
    assert.deepStrictEqual(warnings, [{
      name: 'GenericSessionWarning',
      code: UNKNOWN,
      message: `generic-session ignores option foo; the options it reads are ${KNOWN_LIST}`
    }])
  })

  it('names every unknown option of the options object, with a hint where one helps', () => {
    const [warning, ...more] = warningsOf("genericSession.middleware(store, { maxAge: 60000, cookiename: 'sid', signed: true, other: 1 })")
    assert.deepStrictEqual(more, [])
    assert.strictEqual(warning.code, UNKNOWN)
    assert.strictEqual(warning.message, 'generic-session ignores options maxAge, cookiename, signed, other (maxAge: use expire, in seconds; ' +
      'cookiename: did you mean cookieName?; signed: use keys (cookies are signed when keys are given)); ' +
      `the options it reads are ${KNOWN_LIST}`)
  })

  it('expire above 400 days warns once, saying expire is in seconds', () => {
    const warnings = warningsOf(`
      genericSession.middleware(store, { expire: 1209600000 })
      genericSession.middleware(store, { expire: 40000000 })
      genericSession(req(), res(), store, { expire: '1209600000' })`)
    assert.deepStrictEqual(warnings, [{
      name: 'GenericSessionWarning',
      code: EXPIRE,
      message: 'options.expire is 1209600000 seconds (38 years): expire is in seconds, not milliseconds (1209600000 is a 38-year cookie; ' +
        'two weeks is 1209600). Browsers keep a cookie at most 400 days; the store would keep the session for the whole expire'
    }])
  })

  it('each kind warns once in the same process', () => {
    const warnings = warningsOf(`
      for (let i = 0; i < 3; i++) {
        genericSession.middleware(store, { expire: 500 * 86400, ['unknown' + i]: true })
        genericSession(req(), res(), store, { expire: 3e9, ['other' + i]: true })
      }`)
    assert.deepStrictEqual(warnings.map((w) => w.code), [UNKNOWN, EXPIRE])
    assert.match(warnings[0].message, /^generic-session ignores option unknown0;/)
    assert.match(warnings[1].message, /^options\.expire is 43200000 seconds \(500 days\): expire is in seconds/)
  })

  it('nothing warns for the original\'s options, this package\'s, 400 days, levelSession\'s store options, or express-session\'s (which throw)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-warn-'))
    try {
      const warnings = warningsOf(`
        const Cookies = require('cookies')
        const request = req()
        const response = res()
        genericSession(request, response, store, { keys: ['k'], cookies: new Cookies(request, response, { keys: ['k'] }), expire: 60, cookieName: 'sid', idPrefix: '' })
        genericSession.middleware(store, { expire: 400 * 86400, sameSite: 'strict', secure: true, trustProxy: true, domain: 'example.com',
          path: '/', partitioned: true, priority: 'high', httpOnly: true, lazy: true, strict: true, maxLifetime: 3600, foo: undefined })
        const filter = genericSession.levelSession({ location: ${JSON.stringify(dir)}, sync: false, sweepInterval: 1000, cacheSize: 0, keys: ['k'] })
        for (const secret of ['s', 'another']) {
          try { genericSession.middleware(store, { secret }) } catch (err) {}
        }
        filter.close(() => {})`)
      assert.deepStrictEqual(warnings, [])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('a misbehaving custom store', () => {
  const methods = {
    get: (s, cb) => s.get('k', cb),
    getAll: (s, cb) => s.getAll(cb),
    set: (s, cb) => s.set('k', 'v', cb),
    del: (s, cb) => s.del('k', cb),
    delAll: (s, cb) => s.delAll(cb),
    destroy: (s, cb) => s.destroy(cb)
  }

  describe('when its methods throw synchronously', () => {
    const boom = new Error('boom')
    const throwing = {
      get () { throw boom },
      getAll () { throw boom },
      set () { throw boom },
      del () { throw boom },
      delAll () { throw boom }
    }

    for (const [name, call] of Object.entries(methods)) {
      it(`${name}: the error reaches the callback, after the method returned`, async () => {
        const session = genericSession(stubRequest(), stubResponse(), throwing)
        let returned = false
        const err = await new Promise((resolve) => {
          assert.doesNotThrow(() => call(session, (e) => { assert.ok(returned, 'called back synchronously'); resolve(e) }))
          returned = true
        })
        assert.strictEqual(err, boom)
      })
    }

    it('the promise forms reject with it', async () => {
      const session = genericSession(stubRequest(), stubResponse(), throwing)
      await assert.rejects(session.get('k'), /boom/)
      await assert.rejects(session.set('k', 1), /boom/)
      await assert.rejects(session.getAll(), /boom/)
      await assert.rejects(session.destroy(), /boom/)
    })
  })

  describe('when it calls back synchronously', () => {
    const sync = {
      get (id, key, expire, cb) { cb(null, 'value') },
      getAll (id, expire, cb) { cb(null, { k: 'value' }) },
      set (id, key, value, expire, cb) { cb(null) },
      del (id, key, expire, cb) { cb(null) },
      delAll (id, cb) { cb(null) }
    }

    for (const [name, call] of Object.entries(methods)) {
      it(`${name}: the callback is still called after the method returned`, async () => {
        const session = genericSession(stubRequest(), stubResponse(), sync)
        let returned = false
        const args = await new Promise((resolve) => {
          call(session, (...a) => { assert.ok(returned, `${name} called back synchronously`); resolve(a) })
          returned = true
        })
        assert.ok(!args[0])
        if (name === 'get') assert.strictEqual(args[1], 'value')
        if (name === 'getAll') assert.deepStrictEqual(args[1], { k: 'value' })
      })
    }
  })

  describe('when it calls back with an error', () => {
    const down = new Error('store down')
    const failing = {
      get (id, key, expire, cb) { setImmediate(cb, down) },
      getAll (id, expire, cb) { setImmediate(cb, down) },
      set (id, key, value, expire, cb) { setImmediate(cb, down) },
      del (id, key, expire, cb) { setImmediate(cb, down) },
      delAll (id, cb) { setImmediate(cb, down) }
    }

    for (const [name, call] of Object.entries(methods)) {
      it(`${name}: the error goes to the callback`, async () => {
        const session = genericSession(stubRequest(), stubResponse(), failing)
        const err = await new Promise((resolve) => call(session, resolve))
        assert.strictEqual(err, down)
      })
    }

    it('the promise forms reject with the error', async () => {
      const session = genericSession(stubRequest(), stubResponse(), failing)
      for (const promise of [session.get('k'), session.getAll(), session.set('k', 1), session.del('k'), session.delAll(), session.destroy()]) {
        await assert.rejects(promise, (err) => err === down)
      }
    })
  })

  describe('when it calls back twice', () => {
    it('the callback runs once', async () => {
      const twice = {
        get (id, key, expire, cb) { cb(null, 1); setImmediate(cb, null, 2) },
        getAll (id, expire, cb) { cb(null, {}) },
        set (id, key, value, expire, cb) { setImmediate(cb, null); setImmediate(cb, new Error('again')) },
        del (id, key, expire, cb) { cb(null) },
        delAll (id, cb) { cb(null) }
      }
      const session = genericSession(stubRequest(), stubResponse(), twice)
      const got = []
      const set = []
      session.get('k', (err, v) => got.push([err, v]))
      session.set('k', 1, (err) => set.push(err))
      await sleep(30)
      assert.deepStrictEqual(got, [[null, 1]])
      assert.deepStrictEqual(set, [null])
    })
  })
})
