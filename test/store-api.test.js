'use strict'

// The Store API called directly (the shared suite, test/helpers/store-suite.js) on every store
// (test/helpers/stores.js) and on MemoryStore made every other way; then what is particular to
// MemoryStore: the byte bound, the idle lifetime, LRU order.

const assert = require('assert')
const genericSession = require('..')
const MemoryStoreModule = require('../memory-store')
const { HOUR, api } = require('./helpers/store-promises')
const { describeStoreApi } = require('./helpers/store-suite')
const { forEveryStore } = require('./helpers/stores')

const { setTimeout: sleep } = require('timers/promises')

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

describe('the Store API', () => forEveryStore((makeStore) => describeStoreApi('the Store API', makeStore)))
describeStoreApi('the Store API of new MemoryStore()', () => new genericSession.MemoryStore())
describeStoreApi('the Store API of require(\'../memory-store\')()', () => MemoryStoreModule())

describe('MemoryStore specifics', () => {
  // What the store counts for one session 's<n>' holding { k: <90 characters> } (ids of 2 and 3
  // characters cost the same): the exact figures are the Rust unit tests' (src/memory_store.rs).
  async function sessionBytes () {
    const store = genericSession.MemoryStore()
    await api(store).set('s0', 'k', 'x'.repeat(90))
    return store.bytes
  }

  describe('cache.max bounds the bytes the sessions take in memory', () => {
    it('counts each session\'s id, keys and values, and the store\'s structures for it', async () => {
      const store = genericSession.MemoryStore()
      const s = api(store)
      assert.strictEqual(store.bytes, 0)
      assert.strictEqual(store.size, 0)
      await s.set('a', 'k', 'v')
      const one = store.bytes
      assert.ok(one > 'a'.length + JSON.stringify({ k: 'v' }).length + 100, `${one}: more than the texts`)
      await s.set('b'.repeat(100), 'k', 'v')
      assert.ok(store.bytes >= 2 * one + 99, `${store.bytes}: the 100-character id is counted`)
      const two = store.bytes
      await s.set('a', 'k2', 'x'.repeat(100))
      assert.ok(store.bytes >= two + 'k2'.length + 102, `${store.bytes}: the new record is counted`)
      assert.strictEqual(store.size, 2)
      await s.delAll('a')
      assert.strictEqual(store.bytes, two - one)
      assert.strictEqual(store.size, 1)
      await s.delAll('b'.repeat(100))
      assert.strictEqual(store.bytes, 0)
    })

    it('never holds more than max, dropping sessions when filled beyond it', async () => {
      const each = await sessionBytes()
      const max = 10 * each + Math.floor(each / 2) // ten fit, eleven do not
      const store = genericSession.MemoryStore({ cache: { max } })
      const s = api(store)
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
      const each = await sessionBytes()
      const max = 10 * each + Math.floor(each / 2)
      const store = genericSession.MemoryStore({ cache: { max } })
      const s = api(store)
      for (let i = 0; i < 10; i++) await s.set('s' + i, 'k', 'x'.repeat(90))
      assert.strictEqual(store.size, 10)
      await s.get('s0', 'k') // s0 is now the most recently used, s1 the least
      await s.set('s10', 'k', 'x'.repeat(90))
      assert.strictEqual(store.size, 10)
      assert.ok(store.bytes <= max)
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
      const each = await sessionBytes()
      const max = 10 * each + Math.floor(each / 2)
      const store = genericSession.MemoryStore({ cache: { max } })
      const s = api(store)
      for (let i = 0; i < 10; i++) await s.set('s' + i, 'k', 'x'.repeat(90))
      assert.strictEqual(store.size, 10)
      await s.set('s9', 'big', 'y'.repeat(400))
      assert.ok(store.bytes <= max, String(store.bytes))
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
      // maxAge well above the touch interval, so a loaded machine's late timers do not drop 'busy'.
      const store = genericSession.MemoryStore({ cache: { maxAge: 500 } })
      const s = api(store)
      await s.set('idle', 'k', 'v')
      await s.set('busy', 'k', 'v')
      await s.set('extended', 'k', 'v')
      const started = Date.now()
      while (Date.now() - started < 1200) {
        await sleep(50)
        await s.get('busy', 'k')
        store.extend('extended', HOUR)
      }
      assert.deepStrictEqual(await s.getAll('idle'), {}, 'untouched for 1200 ms: gone')
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
      const err = await s.errorOf('set', 'id', 'k', { bad: 1n }, HOUR)
      assert.ok(err instanceof TypeError)
      const err2 = await s.errorOf('set', 'fresh', 'k', 2n, HOUR)
      assert.ok(err2 instanceof TypeError)
      assert.strictEqual(store.bytes, bytes)
      assert.strictEqual(store.size, size)
      assert.deepStrictEqual(await s.getAll('fresh'), {})
    })
  })
})
