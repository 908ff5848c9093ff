'use strict'

// The Store API called directly: get/getAll/set/del/delAll/extend with the (id, key, value,
// expire, cb) signatures, on MemoryStore (every way of making one) and on the custom Map store;
// then what is particular to MemoryStore: the byte bound, the idle lifetime, LRU order.

const assert = require('assert')
const genericSession = require('..')
const MemoryStoreModule = require('../memory-store')
const MapStore = require('./helpers/map-store')

const EXPIRE = 60 * 1000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Promise forms of the Store API, each checking that its callback is not called synchronously.
function api (store) {
  const call = (method, ...args) => new Promise((resolve, reject) => {
    let returned = false
    store[method](...args, (err, value) => {
      if (!returned) return reject(new Error(`${method} called back synchronously`))
      err ? reject(err) : resolve(value)
    })
    returned = true
  })
  return {
    get: (id, key, expire = EXPIRE) => call('get', id, key, expire),
    getAll: (id, expire = EXPIRE) => call('getAll', id, expire),
    set: (id, key, value, expire = EXPIRE) => call('set', id, key, value, expire),
    del: (id, key, expire = EXPIRE) => call('del', id, key, expire),
    delAll: (id) => call('delAll', id),
    extend: (id, expire = EXPIRE) => call('extend', id, expire),
    // the error a set calls back with (or null)
    setError: (id, key, value) => new Promise((resolve) => store.set(id, key, value, EXPIRE, (err) => resolve(err)))
  }
}

const stores = {
  'MemoryStore()': () => genericSession.MemoryStore(),
  'new MemoryStore()': () => new genericSession.MemoryStore(),
  'require(\'../memory-store\')()': () => MemoryStoreModule(),
  'a custom Map store': () => new MapStore()
}

describe('require(\'generic-session/memory-store\')', () => {
  it('is the same function as genericSession.MemoryStore', () => {
    assert.strictEqual(MemoryStoreModule, genericSession.MemoryStore)
    assert.strictEqual(typeof MemoryStoreModule, 'function')
  })

  it('makes stores with or without new', () => {
    const a = MemoryStoreModule()
    const b = new MemoryStoreModule()
    assert.ok(a instanceof MemoryStoreModule)
    assert.ok(b instanceof MemoryStoreModule)
    assert.notStrictEqual(a, b)
  })

  it('makes independent stores', async () => {
    const a = api(MemoryStoreModule())
    const b = api(MemoryStoreModule())
    await a.set('id', 'k', 'in a')
    assert.strictEqual(await b.get('id', 'k'), undefined)
    assert.strictEqual(await a.get('id', 'k'), 'in a')
  })
})

for (const [name, makeStore] of Object.entries(stores)) {
  describe(`the Store API of ${name}`, () => {
    let store, s
    beforeEach(() => {
      store = makeStore()
      s = api(store)
    })

    describe('get(id, key, expire, cb)', () => {
      it('calls back with undefined for a missing key of an unknown session', async () => {
        assert.strictEqual(await s.get('nobody', 'k'), undefined)
      })

      it('calls back with undefined for a missing key of a known session', async () => {
        await s.set('id', 'a', 1)
        assert.strictEqual(await s.get('id', 'b'), undefined)
      })

      it('calls back with null as err', (done) => {
        store.get('id', 'k', EXPIRE, (...args) => {
          assert.strictEqual(args[0], null)
          done()
        })
      })
    })

    describe('getAll(id, expire, cb)', () => {
      it('calls back with {} for an unknown session', async () => {
        assert.deepStrictEqual(await s.getAll('nobody'), {})
      })

      it('calls back with every key', async () => {
        await s.set('id', 'a', 1)
        await s.set('id', 'b', { c: [true, null, 'x'] })
        assert.deepStrictEqual(await s.getAll('id'), { a: 1, b: { c: [true, null, 'x'] } })
      })

      it('returns a copy: changing it changes nothing stored', async () => {
        await s.set('id', 'a', { n: 1 })
        const all = await s.getAll('id')
        all.a.n = 2
        all.extra = true
        assert.deepStrictEqual(await s.getAll('id'), { a: { n: 1 } })
      })
    })

    describe('set(id, key, value, expire, cb)', () => {
      it('stores values as JSON round-trips them', async () => {
        const value = { date: new Date(0), list: [1, undefined, 'two'], nested: { nan: NaN }, gone: undefined, text: 'é\u2028"\\' }
        await s.set('id', 'v', value)
        assert.deepStrictEqual(await s.get('id', 'v'), JSON.parse(JSON.stringify(value)))
      })

      it('stores null, false, 0 and \'\' as themselves', async () => {
        for (const [key, value] of [['n', null], ['f', false], ['z', 0], ['e', '']]) await s.set('id', key, value)
        assert.deepStrictEqual(await s.getAll('id'), { n: null, f: false, z: 0, e: '' })
      })

      it('overwrites a key', async () => {
        await s.set('id', 'k', 1)
        await s.set('id', 'k', 2)
        assert.strictEqual(await s.get('id', 'k'), 2)
      })

      it('with value undefined removes the key', async () => {
        await s.set('id', 'a', 1)
        await s.set('id', 'k', 'v')
        await s.set('id', 'k', undefined)
        assert.strictEqual(await s.get('id', 'k'), undefined)
        const all = await s.getAll('id')
        assert.ok(!('k' in all))
        assert.deepStrictEqual(all, { a: 1 })
      })

      for (const [what, make] of [['a BigInt', () => 1n], ['a cycle', () => { const o = { a: 1 }; o.self = o; return o }], ['a BigInt deep inside', () => ({ list: [{ n: 2n }] })]]) {
        it(`refuses ${what} with a TypeError and changes nothing`, async () => {
          await s.set('id', 'k', 'before')
          await s.set('id', 'other', 1)
          const err = await s.setError('id', 'k', make())
          assert.ok(err instanceof TypeError, String(err))
          const err2 = await s.setError('id', 'new', make())
          assert.ok(err2 instanceof TypeError, String(err2))
          assert.deepStrictEqual(await s.getAll('id'), { k: 'before', other: 1 })
        })
      }

      it('keeps one record per key: setting b does not alter a', async () => {
        await s.set('id', 'a', { deep: { x: 1 } })
        await s.set('id', 'b', 'second')
        await s.set('id', 'b', { replaced: true })
        assert.deepStrictEqual(await s.get('id', 'a'), { deep: { x: 1 } })
        assert.deepStrictEqual(await s.getAll('id'), { a: { deep: { x: 1 } }, b: { replaced: true } })
      })

      it('lands parallel sets to different keys of one session', async () => {
        const keys = Array.from({ length: 50 }, (_, i) => 'key' + i)
        await Promise.all(keys.map((key, i) => s.set('id', key, i)))
        const all = await s.getAll('id')
        assert.deepStrictEqual(all, Object.fromEntries(keys.map((key, i) => [key, i])))
      })

      it('keeps sessions apart', async () => {
        await s.set('one', 'k', 1)
        await s.set('two', 'k', 2)
        assert.strictEqual(await s.get('one', 'k'), 1)
        assert.strictEqual(await s.get('two', 'k'), 2)
      })
    })

    describe('del(id, key, expire, cb)', () => {
      it('removes the key only', async () => {
        await s.set('id', 'a', 1)
        await s.set('id', 'b', 2)
        await s.del('id', 'a')
        assert.deepStrictEqual(await s.getAll('id'), { b: 2 })
      })

      it('is fine with a missing key or session', async () => {
        await s.del('nobody', 'k')
        await s.set('id', 'a', 1)
        await s.del('id', 'zzz')
        assert.deepStrictEqual(await s.getAll('id'), { a: 1 })
      })
    })

    describe('delAll(id, cb)', () => {
      it('removes every key of that session only', async () => {
        await s.set('id', 'a', 1)
        await s.set('id', 'b', 2)
        await s.set('other', 'c', 3)
        await s.delAll('id')
        assert.deepStrictEqual(await s.getAll('id'), {})
        assert.deepStrictEqual(await s.getAll('other'), { c: 3 })
      })

      it('is fine with an unknown session', async () => {
        await s.delAll('nobody')
        assert.deepStrictEqual(await s.getAll('nobody'), {})
      })
    })

    describe('extend(id, expire[, cb])', () => {
      it('calls back with no error when given a callback', async () => {
        await s.set('id', 'a', 1)
        assert.ok(!(await s.extend('id')))
        assert.deepStrictEqual(await s.getAll('id'), { a: 1 })
      })

      it('works without a callback', async () => {
        await s.set('id', 'a', 1)
        assert.doesNotThrow(() => store.extend('id', EXPIRE))
        assert.doesNotThrow(() => store.extend('nobody', EXPIRE))
        await sleep(5)
        assert.deepStrictEqual(await s.getAll('id'), { a: 1 })
      })

      it('creates no data for an unknown session', async () => {
        await s.extend('nobody')
        assert.deepStrictEqual(await s.getAll('nobody'), {})
      })
    })

    describe('order', () => {
      it('applies operations issued without waiting in call order', async () => {
        const noop = () => {}
        store.set('id', 'k', 1, EXPIRE, noop)
        store.set('id', 'k', 2, EXPIRE, noop)
        store.del('id', 'k', EXPIRE, noop)
        store.set('id', 'k', 3, EXPIRE, noop)
        assert.strictEqual(await s.get('id', 'k'), 3)
      })
    })
  })
}

describe('MemoryStore specifics', () => {
  // The JSON of one session holding { k: <n characters> }.
  const sessionBytes = (n) => JSON.stringify({ k: 'x'.repeat(n) }).length

  describe('cache.max bounds the bytes of stored JSON', () => {
    it('counts the length of each session\'s JSON', async () => {
      const store = genericSession.MemoryStore()
      const s = api(store)
      assert.strictEqual(store.bytes, 0)
      assert.strictEqual(store.size, 0)
      await s.set('a', 'k', 'v')
      assert.strictEqual(store.bytes, JSON.stringify({ k: 'v' }).length)
      await s.set('a', 'k2', 'x'.repeat(100))
      await s.set('b', 'k', [1, 2, 3])
      const expected = JSON.stringify(await s.getAll('a')).length + JSON.stringify(await s.getAll('b')).length
      assert.strictEqual(store.bytes, expected)
      assert.strictEqual(store.size, 2)
      await s.delAll('a')
      assert.strictEqual(store.bytes, JSON.stringify({ k: [1, 2, 3] }).length)
      assert.strictEqual(store.size, 1)
    })

    it('never holds more than max, dropping sessions when filled beyond it', async () => {
      const max = 1000
      const store = genericSession.MemoryStore({ cache: { max } })
      const s = api(store)
      const each = sessionBytes(90) // 98 bytes: ten fit, eleven do not
      assert.ok(each * 10 <= max && each * 11 > max)
      for (let i = 0; i < 100; i++) {
        await s.set('s' + i, 'k', 'x'.repeat(90))
        assert.ok(store.bytes <= max, `${store.bytes} bytes after ${i + 1} sessions`)
        assert.ok(store.size <= 10)
      }
      assert.strictEqual(store.size, 10)
      assert.strictEqual(store.bytes, 10 * each)
      // the most recent ten are the ones kept
      for (let i = 0; i < 90; i++) assert.deepStrictEqual(await s.getAll('s' + i), {}, 's' + i)
      for (let i = 90; i < 100; i++) assert.deepStrictEqual(await s.getAll('s' + i), { k: 'x'.repeat(90) }, 's' + i)
    })

    it('drops the least recently used first', async () => {
      const store = genericSession.MemoryStore({ cache: { max: 1000 } })
      const s = api(store)
      for (let i = 0; i < 10; i++) await s.set('s' + i, 'k', 'x'.repeat(90))
      assert.strictEqual(store.size, 10)
      await s.get('s0', 'k') // s0 is now the most recently used, s1 the least
      await s.set('s10', 'k', 'x'.repeat(90))
      assert.strictEqual(store.size, 10)
      assert.ok(store.bytes <= 1000)
      assert.deepStrictEqual(await s.getAll('s1'), {}, 's1, least recently used, is gone')
      assert.strictEqual(await s.get('s0', 'k'), 'x'.repeat(90), 's0, recently read, is kept')
      assert.strictEqual(await s.get('s10', 'k'), 'x'.repeat(90))
      // a set is a use too
      await s.set('s2', 'k2', 1)
      await s.set('s11', 'k', 'x'.repeat(90))
      assert.strictEqual(await s.get('s2', 'k2'), 1, 's2, recently written, is kept')
      assert.deepStrictEqual(await s.getAll('s3'), {}, 's3 is gone')
    })

    it('shrinks size when one session grows, dropping the least recently used', async () => {
      const store = genericSession.MemoryStore({ cache: { max: 1000 } })
      const s = api(store)
      for (let i = 0; i < 10; i++) await s.set('s' + i, 'k', 'x'.repeat(90))
      assert.strictEqual(store.size, 10)
      await s.set('s9', 'big', 'y'.repeat(400))
      assert.ok(store.bytes <= 1000, String(store.bytes))
      assert.ok(store.size < 10, `size ${store.size}`)
      assert.strictEqual(await s.get('s9', 'big'), 'y'.repeat(400))
      assert.deepStrictEqual(await s.getAll('s0'), {}, 's0, least recently used, is gone')
      assert.strictEqual(await s.get('s8', 'k'), 'x'.repeat(90), 's8 is kept')
    })

    it('lets a session larger than max fall out on its own, keeping the others (as lru-cache did)', async () => {
      const store = genericSession.MemoryStore({ cache: { max: 1000 } })
      const s = api(store)
      await s.set('small1', 'k', 'v')
      await s.set('small2', 'k', 'w')
      await s.set('huge', 'k', 'z'.repeat(2000))
      assert.ok(store.bytes <= 1000)
      assert.deepStrictEqual(await s.getAll('huge'), {}, 'the oversized session is not kept')
      assert.strictEqual(await s.get('small1', 'k'), 'v', 'small1 survives')
      assert.strictEqual(await s.get('small2', 'k'), 'w', 'small2 survives')
      assert.strictEqual(store.size, 2)
    })
  })

  describe('cache.maxAge is the idle lifetime', () => {
    it('drops a session untouched for longer, keeps one touched within it', async () => {
      const store = genericSession.MemoryStore({ cache: { maxAge: 100 } })
      const s = api(store)
      await s.set('idle', 'k', 'v')
      await s.set('busy', 'k', 'v')
      await s.set('extended', 'k', 'v')
      const started = Date.now()
      while (Date.now() - started < 250) {
        await sleep(50)
        await s.get('busy', 'k')
        store.extend('extended', EXPIRE)
      }
      assert.deepStrictEqual(await s.getAll('idle'), {}, 'untouched for 250 ms: gone')
      assert.strictEqual(await s.get('idle', 'k'), undefined)
      assert.deepStrictEqual(await s.getAll('busy'), { k: 'v' }, 'read every 50 ms: kept')
      assert.deepStrictEqual(await s.getAll('extended'), { k: 'v' }, 'extended every 50 ms: kept')
    })

    it('drops a session idle for 200 ms when maxAge is 100 ms', async () => {
      const store = genericSession.MemoryStore({ cache: { maxAge: 100 } })
      const s = api(store)
      await s.set('a', 'k', 'v')
      assert.strictEqual(await s.get('a', 'k'), 'v')
      await sleep(200)
      assert.strictEqual(await s.get('a', 'k'), undefined)
      assert.deepStrictEqual(await s.getAll('a'), {})
    })

    it('ignores the expire argument', async () => {
      const store = genericSession.MemoryStore()
      const s = api(store)
      await s.set('a', 'k', 'v', 1)
      await s.extend('a', 1)
      await sleep(30)
      assert.strictEqual(await s.get('a', 'k', 1), 'v')
      assert.deepStrictEqual(await s.getAll('a', 1), { k: 'v' })
      // and a long expire does not outlive maxAge
      const short = genericSession.MemoryStore({ cache: { maxAge: 50 } })
      const t = api(short)
      await t.set('b', 'k', 'v', 60 * 60 * 1000)
      await sleep(120)
      assert.strictEqual(await t.get('b', 'k', 60 * 60 * 1000), undefined)
    })
  })

  describe('a refused value', () => {
    it('leaves the byte count and size unchanged', async () => {
      const store = genericSession.MemoryStore()
      const s = api(store)
      await s.set('id', 'k', 'before')
      const bytes = store.bytes
      const size = store.size
      const err = await s.setError('id', 'k', { bad: 1n })
      assert.ok(err instanceof TypeError)
      const err2 = await s.setError('fresh', 'k', 2n)
      assert.ok(err2 instanceof TypeError)
      assert.strictEqual(store.bytes, bytes)
      assert.strictEqual(store.size, size)
      assert.deepStrictEqual(await s.getAll('fresh'), {})
    })
  })
})
