'use strict'

// Every row of SPEC's Session table, on the native MemoryStore and on a custom Map store.

const assert = require('assert')
const genericSession = require('..')
const MapStore = require('./helpers/map-store')
const { stubRequest, stubResponse } = require('./helpers/stubs')
const { setTimeout: sleep } = require('timers/promises')

const stores = {
  MemoryStore: () => genericSession.MemoryStore(),
  'a custom Map store': () => new MapStore()
}

for (const [storeName, makeStore] of Object.entries(stores)) {
  describe(`Session on ${storeName}`, () => {
    let store, session
    beforeEach(() => {
      store = makeStore()
      session = genericSession(stubRequest(), stubResponse(), store)
    })

    const set = (key, value) => new Promise((resolve, reject) => session.set(key, value, (err) => err ? reject(err) : resolve()))
    const getAll = () => new Promise((resolve, reject) => session.getAll((err, all) => err ? reject(err) : resolve(all)))

    describe('get(key, cb)', () => {
      it('calls back with undefined for a missing key', (done) => {
        session.get('nope', (err, value) => {
          assert.strictEqual(err, null)
          assert.strictEqual(value, undefined)
          done()
        })
      })

      it('calls back with the stored value', async () => {
        await set('foo', 'bar')
        const value = await new Promise((resolve) => session.get('foo', (err, v) => { assert.ifError(err); resolve(v) }))
        assert.strictEqual(value, 'bar')
      })
    })

    describe('get(cb), get(null, cb), get(\'\', cb)', () => {
      it('each mean getAll(cb)', async () => {
        await set('a', 1)
        await set('b', { c: [2] })
        for (const args of [[], [null], ['']]) {
          const all = await new Promise((resolve) => session.get(...args, (err, v) => { assert.ifError(err); resolve(v) }))
          assert.deepStrictEqual(all, { a: 1, b: { c: [2] } }, `get(${args.map(String)}, cb)`)
        }
      })
    })

    describe('get(key) without a callback', () => {
      it('returns a Promise of the value', async () => {
        await set('k', 42)
        assert.strictEqual(await session.get('k'), 42)
        assert.strictEqual(await session.get('missing'), undefined)
      })
    })

    describe('getAll(cb)', () => {
      it('calls back with {} for an empty session', async () => {
        assert.deepStrictEqual(await getAll(), {})
      })

      it('calls back with every key', async () => {
        await set('x', 'y')
        await set('n', null)
        assert.deepStrictEqual(await getAll(), { x: 'y', n: null })
      })

      it('without a callback returns a Promise of all data', async () => {
        await set('x', 'y')
        assert.deepStrictEqual(await session.getAll(), { x: 'y' })
        assert.deepStrictEqual(await session.get(), { x: 'y' })
      })
    })

    describe('set(key, value[, cb])', () => {
      it('calls back with no error', (done) => {
        session.set('k', 'v', (err) => {
          assert.ok(!err)
          done()
        })
      })

      it('set(key, cb) stores null', async () => {
        await new Promise((resolve) => session.set('k', resolve))
        assert.deepStrictEqual(await getAll(), { k: null })
      })

      it('set(key) stores null', async () => {
        await session.set('k')
        assert.deepStrictEqual(await getAll(), { k: null })
      })

      it('without a callback still stores, visible to the next operation', (done) => {
        session.set('k', 'v')
        session.get('k', (err, value) => {
          assert.ifError(err)
          assert.strictEqual(value, 'v')
          done()
        })
      })

      it('overwrites an existing value', async () => {
        await set('k', 1)
        await set('k', 2)
        assert.strictEqual(await session.get('k'), 2)
      })
    })

    describe('del(key[, cb])', () => {
      it('removes the key and calls back with the error only', async () => {
        await set('a', 1)
        await set('b', 2)
        const args = await new Promise((resolve) => session.del('a', (...a) => resolve(a)))
        assert.ok(!args[0])
        assert.strictEqual(args[1], undefined)
        assert.deepStrictEqual(await getAll(), { b: 2 })
      })

      it('del(cb) means delAll', async () => {
        await set('a', 1)
        await new Promise((resolve) => session.del(resolve))
        assert.deepStrictEqual(await getAll(), {})
      })

      it('del() means delAll', async () => {
        await set('a', 1)
        await session.del()
        assert.deepStrictEqual(await getAll(), {})
      })
    })

    describe('delAll([cb])', () => {
      it('removes every key of this session only', async () => {
        const other = genericSession(stubRequest(), stubResponse(), store)
        await set('a', 1)
        await other.set('b', 2)
        await new Promise((resolve) => session.delAll(resolve))
        assert.deepStrictEqual(await getAll(), {})
        assert.deepStrictEqual(await other.getAll(), { b: 2 })
      })
    })

    describe('destroy([cb])', () => {
      it('removes the data and expires the cookie', async () => {
        const res = stubResponse()
        const s = genericSession(stubRequest(), res, store)
        await s.set('a', 1)
        await new Promise((resolve, reject) => s.destroy((err) => err ? reject(err) : resolve()))
        assert.deepStrictEqual(await s.getAll(), {})
        assert.deepStrictEqual(res.headers['set-cookie'], ['s=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly'])
      })

      it('signs the clearing cookie when keys are given', async () => {
        const res = stubResponse()
        const s = genericSession(stubRequest(), res, store, { keys: ['k1'] })
        await s.destroy()
        const lines = res.headers['set-cookie']
        assert.strictEqual(lines.length, 2)
        assert.match(lines[1], /^s\.sig=[\w-]{27}; path=\/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly$/)
      })
    })

    describe('values', () => {
      it('round-trip as JSON', async () => {
        const value = { date: new Date(0), nan: NaN, nested: { list: [1, 'two', null, undefined] }, dropped: undefined, unicode: 'é\u2028"\\' }
        await set('v', value)
        assert.deepStrictEqual(await session.get('v'), JSON.parse(JSON.stringify(value)))
      })

      for (const [what, make] of [['a BigInt', () => 10n], ['a cycle', () => { const o = {}; o.self = o; return o }]]) {
        it(`refuses ${what} with a TypeError and changes nothing`, async () => {
          await set('k', 'before')
          const err = await new Promise((resolve) => session.set('k', make(), resolve))
          assert.ok(err instanceof TypeError, String(err))
          assert.deepStrictEqual(await getAll(), { k: 'before' })
          await assert.rejects(session.set('k', make()), TypeError)
        })
      }
    })

    describe('order', () => {
      it('applies operations in call order, set many then get, del and get again', async () => {
        for (let i = 0; i < 20; i++) session.set('foo' + i, i)
        await new Promise((resolve) => process.nextTick(resolve))
        const values = await Promise.all(Array.from({ length: 20 }, (_, i) => session.get('foo' + i)))
        assert.deepStrictEqual(values, Array.from({ length: 20 }, (_, i) => i))
        for (let i = 0; i < 10; i++) session.del('foo' + i)
        const after = await Promise.all(Array.from({ length: 20 }, (_, i) => session.get('foo' + i)))
        assert.deepStrictEqual(after, Array.from({ length: 20 }, (_, i) => i < 10 ? undefined : i))
      })
    })

    describe('callbacks', () => {
      it('are never called before the method returns', async () => {
        await set('k', 1)
        const calls = ['get', 'getAll', 'set', 'del', 'delAll', 'destroy']
        for (const method of calls) {
          let returned = false
          await new Promise((resolve) => {
            const cb = () => { assert.ok(returned, `${method} called back synchronously`); resolve() }
            if (method === 'get' || method === 'del') session[method]('k', cb)
            else if (method === 'set') session.set('k', 1, cb)
            else session[method](cb)
            returned = true
          })
        }
      })

      it('reject a callback that is not a function', () => {
        assert.throws(() => session.get('k', 'nope'), /callback must be a function/)
      })
    })

    describe('an ignored rejection', () => {
      it('never becomes an unhandled rejection', async () => {
        const unhandled = []
        const onUnhandled = (reason) => unhandled.push(reason)
        process.on('unhandledRejection', onUnhandled)
        try {
          session.set('k', 1n) // rejected, and nobody looks
          await sleep(20)
        } finally {
          process.removeListener('unhandledRejection', onUnhandled)
        }
        assert.deepStrictEqual(unhandled, [])
      })
    })
  })
}

describe('genericSession(req, res, store[, options])', () => {
  it('sets token, id, store, options, request, response and expire', () => {
    const req = stubRequest()
    const res = stubResponse()
    const store = genericSession.MemoryStore()
    const before = Date.now()
    const session = genericSession(req, res, store)
    assert.match(session.token, /^[A-Za-z0-9+/]{40}$/)
    assert.strictEqual(session.id, 'session:' + session.token)
    assert.strictEqual(session.store, store)
    assert.strictEqual(session.request, req)
    assert.strictEqual(session.response, res)
    assert.strictEqual(session.options.cookieName, 's')
    assert.strictEqual(session.options.expire, 1209600)
    assert.ok(session.expire instanceof Date)
    const twoWeeks = 1209600 * 1000
    assert.ok(session.expire.getTime() >= before + twoWeeks && session.expire.getTime() <= Date.now() + twoWeeks)
  })

  it('writes the cookie: path=/, expires, samesite=lax, httponly', () => {
    const res = stubResponse()
    const session = genericSession(stubRequest(), res, genericSession.MemoryStore(), { expire: 60 })
    assert.deepStrictEqual(res.headers['set-cookie'], [`s=${session.token}; path=/; expires=${session.expire.toUTCString()}; samesite=lax; httponly`])
  })

  it('keeps the token the request carries', () => {
    const session = genericSession(stubRequest('s=abcdefgh'), stubResponse(), genericSession.MemoryStore())
    assert.strictEqual(session.token, 'abcdefgh')
  })

  it('honours cookieName and idPrefix', () => {
    const res = stubResponse()
    const session = genericSession(stubRequest('sid=tok123'), res, genericSession.MemoryStore(), { cookieName: 'sid', idPrefix: '' })
    assert.strictEqual(session.id, 'tok123')
    assert.match(res.headers['set-cookie'][0], /^sid=tok123; path=\/;/)
  })

  it('keeps other Set-Cookie values and replaces an earlier value of its own cookie', () => {
    const res = stubResponse()
    res.setHeader('Set-Cookie', ['a=1; path=/', 's=old; path=/', 's.sig=old; path=/'])
    const session = genericSession(stubRequest(), res, genericSession.MemoryStore(), { keys: ['k'] })
    const lines = res.headers['set-cookie']
    assert.strictEqual(lines.length, 3)
    assert.strictEqual(lines[0], 'a=1; path=/')
    assert.ok(lines[1].startsWith(`s=${session.token};`))
    assert.ok(lines[2].startsWith('s.sig='))
  })

  it('keeps a single string Set-Cookie value', () => {
    const res = stubResponse()
    res.setHeader('Set-Cookie', 'a=1')
    genericSession(stubRequest(), res, genericSession.MemoryStore())
    assert.strictEqual(res.headers['set-cookie'][0], 'a=1')
    assert.strictEqual(res.headers['set-cookie'].length, 2)
  })

  it('adds secure when the request came over TLS', () => {
    const res = stubResponse()
    genericSession({ headers: {}, connection: { encrypted: true } }, res, genericSession.MemoryStore())
    assert.match(res.headers['set-cookie'][0], /; secure; httponly$/)
  })

  it('makes a new 40-character token for each new session', () => {
    const tokens = new Set()
    const store = genericSession.MemoryStore()
    for (let i = 0; i < 1000; i++) tokens.add(genericSession(stubRequest(), stubResponse(), store).token)
    assert.strictEqual(tokens.size, 1000)
  })
})

describe('middleware / filter', () => {
  it('are the same function', () => {
    assert.strictEqual(genericSession.middleware, genericSession.filter)
  })

  it('sets req.session = res.session and calls next synchronously', () => {
    const filter = genericSession.filter(genericSession.MemoryStore())
    const req = stubRequest()
    const res = stubResponse()
    let nextCalled = false
    filter(req, res, () => { nextCalled = true })
    assert.ok(nextCalled)
    assert.ok(req.session)
    assert.strictEqual(req.session, res.session)
    assert.strictEqual(typeof req.session.get, 'function')
  })
})
