'use strict'

// The Store API every store keeps, as one suite: get/getAll/set/del/delAll/extend with the
// (id, key, value, expire, cb) signatures, called directly. Run by test/store-api.test.js for every
// store in test/helpers/stores.js (and MemoryStore made every other way); what is particular to
// one store stays in that store's test file.

const assert = require('assert')
const { HOUR, api } = require('./store-promises')

const { setTimeout: sleep } = require('timers/promises')

// describe(label) of the Store API on a fresh store from makeStore() per test, closed after it
// with closeStore(store) when given.
function describeStoreApi (label, makeStore, closeStore) {
  describe(label, () => {
    let store, s
    beforeEach(() => {
      store = makeStore()
      s = api(store)
    })

    if (closeStore) afterEach(() => closeStore(store))

    describe('get(id, key, expire, cb)', () => {
      it('calls back with undefined for a missing key of an unknown session', async () => {
        assert.strictEqual(await s.get('nobody', 'k'), undefined)
      })

      it('calls back with undefined for a missing key of a known session', async () => {
        await s.set('id', 'a', 1)
        assert.strictEqual(await s.get('id', 'b'), undefined)
      })

      it('calls back with null as err', (done) => {
        store.get('id', 'k', HOUR, (...args) => {
          try {
            assert.strictEqual(args[0], null)
            done()
          } catch (err) {
            done(err)
          }
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
        const value = { date: new Date(0), list: [1, undefined, 'two'], nested: { nan: NaN }, gone: undefined, text: 'é\u2028"\\', neg: -0, big: 1e308 }
        await s.set('id', 'v', value)
        assert.deepStrictEqual(await s.get('id', 'v'), JSON.parse(JSON.stringify(value)))
      })

      it('stores null, false, 0, \'\', [] and {} as themselves', async () => {
        for (const [key, value] of [['n', null], ['f', false], ['z', 0], ['e', ''], ['a', []], ['o', {}]]) await s.set('id', key, value)
        assert.deepStrictEqual(await s.getAll('id'), { n: null, f: false, z: 0, e: '', a: [], o: {} })
        assert.strictEqual(await s.get('id', 'n'), null)
        assert.strictEqual(await s.get('id', 'f'), false)
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
          const err = await s.errorOf('set', 'id', 'k', make(), HOUR)
          assert.ok(err instanceof TypeError, String(err))
          const err2 = await s.errorOf('set', 'id', 'new', make(), HOUR)
          assert.ok(err2 instanceof TypeError, String(err2))
          const err3 = await s.errorOf('set', 'fresh', 'k', make(), HOUR)
          assert.ok(err3 instanceof TypeError, String(err3))
          assert.deepStrictEqual(await s.getAll('id'), { k: 'before', other: 1 })
          assert.deepStrictEqual(await s.getAll('fresh'), {})
        })
      }

      it('keeps one record per key: setting b does not alter a', async () => {
        await s.set('id', 'a', { deep: { x: 1 } })
        await s.set('id', 'b', 'second')
        await s.set('id', 'b', { replaced: true })
        assert.deepStrictEqual(await s.get('id', 'a'), { deep: { x: 1 } })
        assert.deepStrictEqual(await s.getAll('id'), { a: { deep: { x: 1 } }, b: { replaced: true } })
      })

      it('lands 150 parallel sets to different keys of one session: none lost', async () => {
        // objects under key0..key99 and numbers under n0..n49, all issued without waiting
        const expected = {}
        for (let i = 0; i < 100; i++) expected['key' + i] = { i }
        for (let i = 0; i < 50; i++) expected['n' + i] = i
        await Promise.all(Object.entries(expected).map(([key, value]) => s.set('id', key, value)))
        const all = await s.getAll('id')
        const lost = Object.keys(expected).filter((key) => !(key in all))
        assert.strictEqual(lost.length, 0, `lost: ${lost.join(', ')}`)
        assert.deepStrictEqual(all, expected)
      })

      it('keeps sessions apart, even when one id is a prefix of another', async () => {
        await s.set('one', 'k', 1)
        await s.set('two', 'k', 2)
        await s.set('ab', 'ck', 'ab/ck')
        await s.set('abc', 'k', 'abc/k')
        await s.set('a', 'bck', 'a/bck')
        assert.strictEqual(await s.get('one', 'k'), 1)
        assert.strictEqual(await s.get('two', 'k'), 2)
        assert.deepStrictEqual(await s.getAll('ab'), { ck: 'ab/ck' })
        assert.deepStrictEqual(await s.getAll('abc'), { k: 'abc/k' })
        assert.deepStrictEqual(await s.getAll('a'), { bck: 'a/bck' })
        await s.delAll('ab')
        assert.deepStrictEqual(await s.getAll('abc'), { k: 'abc/k' })
        assert.deepStrictEqual(await s.getAll('a'), { bck: 'a/bck' })
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
        assert.deepStrictEqual(await s.getAll('nobody'), {})
      })
    })

    describe('delAll(id, cb)', () => {
      it('removes every key of that session only', async () => {
        await s.set('id', 'a', 1)
        await s.set('id', 'b', 2)
        await s.set('other', 'c', 3)
        await s.delAll('id')
        assert.deepStrictEqual(await s.getAll('id'), {})
        assert.strictEqual(await s.get('id', 'a'), undefined)
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
        assert.doesNotThrow(() => store.extend('id', HOUR))
        assert.doesNotThrow(() => store.extend('nobody', HOUR))
        await sleep(5)
        assert.deepStrictEqual(await s.getAll('id'), { a: 1 })
      })

      it('creates no data for an unknown session', async () => {
        await s.extend('nobody')
        assert.deepStrictEqual(await s.getAll('nobody'), {})
      })
    })

    describe('order: call order is apply order', () => {
      it('applies set, set, del, set issued without waiting in call order', async () => {
        const noop = () => {}
        store.set('id', 'k', 1, HOUR, noop)
        store.set('id', 'k', 2, HOUR, noop)
        store.del('id', 'k', HOUR, noop)
        store.set('id', 'k', 3, HOUR, noop)
        assert.strictEqual(await s.get('id', 'k'), 3)
      })
    })
  })
}

module.exports = { describeStoreApi }
