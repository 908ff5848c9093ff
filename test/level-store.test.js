'use strict'

// LevelStore called directly (the Store API every store keeps is test/store-api.test.js):
// further cases of it, then what is particular to a store on disk: the expire argument is
// honoured, expired sessions are swept from disk, call order is apply order, the session cache,
// one opener per directory, close.

const assert = require('assert')
const fs = require('fs')
const path = require('path')
const genericSession = require('..')
const { HOUR, sleep, tempDir, removeDir, api, touchEvery100ms, closeStore, closeQuietly } = require('./helpers/level')

const { LevelStore } = genericSession

// An error that names `location` and says it is locked or in use.
function lockError (location) {
  return (err) => {
    assert.ok(err instanceof Error, String(err))
    assert.ok(err.message.includes(location), `the message names ${location}: ${err.message}`)
    assert.match(err.message, /lock|in use/i)
    return true
  }
}

// An error whose message names `location`.
function namingError (location) {
  return (err) => {
    assert.ok(err instanceof Error, String(err))
    assert.ok(err.message.includes(location), `the message names ${location}: ${err.message}`)
    return true
  }
}

describe('LevelStore', () => {
  // Every test gets its own directory; stores opened through `open` are closed after it.
  let dir, opened
  const open = (options = dir) => {
    const store = LevelStore(options)
    opened.push(store)
    return store
  }

  beforeEach(() => {
    dir = tempDir()
    opened = []
  })

  afterEach(async () => {
    for (const store of opened) await closeQuietly(store)
    removeDir(dir)
  })

  describe('making one', () => {
    it('is genericSession.LevelStore, a function', () => {
      assert.strictEqual(typeof LevelStore, 'function')
    })

    it('works with and without new, from a path or { location }', async () => {
      const a = LevelStore(path.join(dir, 'a'))
      opened.push(a)
      const b = new LevelStore(path.join(dir, 'b'))
      opened.push(b)
      const c = LevelStore({ location: path.join(dir, 'c') })
      opened.push(c)
      const d = new LevelStore({ location: path.join(dir, 'd'), sync: false, sweepInterval: 60000 })
      opened.push(d)
      for (const store of [a, b, c, d]) {
        assert.ok(store instanceof LevelStore)
        for (const method of ['get', 'getAll', 'set', 'del', 'delAll', 'extend', 'close']) {
          assert.strictEqual(typeof store[method], 'function', method)
        }
        const s = api(store)
        await s.set('id', 'k', 'v')
        assert.strictEqual(await s.get('id', 'k'), 'v')
      }
    })

    it('creates the directory when it is missing', async () => {
      const location = path.join(dir, 'fresh')
      assert.ok(!fs.existsSync(location))
      const s = api(open(location))
      await s.set('id', 'k', 1)
      assert.ok(fs.statSync(location).isDirectory())
      assert.strictEqual(await s.get('id', 'k'), 1)
    })

    it('keeps stores at different locations apart', async () => {
      const a = api(open(path.join(dir, 'one')))
      const b = api(open(path.join(dir, 'two')))
      await a.set('id', 'k', 'in a')
      assert.strictEqual(await b.get('id', 'k'), undefined)
      assert.strictEqual(await a.get('id', 'k'), 'in a')
    })

    describe('throws synchronously', () => {
      for (const [what, args] of [['with no argument', []], ['with {}', [{}]], ['with \'\'', ['']], ['with a number', [42]], ['with { location: 42 }', [{ location: 42 }]]]) {
        it(`a TypeError naming location ${what}`, () => {
          assert.throws(() => LevelStore(...args), (err) => {
            assert.ok(err instanceof TypeError, String(err))
            assert.match(err.message, /location/)
            return true
          })
          assert.throws(() => new LevelStore(...args), TypeError)
        })
      }

      it('an Error naming the path when the location is under a regular file', () => {
        const file = path.join(dir, 'a-file')
        fs.writeFileSync(file, 'not a directory')
        const location = path.join(file, 'db')
        assert.throws(() => LevelStore(location), namingError(location))
        assert.throws(() => LevelStore({ location }), namingError(location))
        assert.strictEqual(fs.readFileSync(file, 'utf8'), 'not a directory', 'the file is untouched')
      })

      it('an Error naming the path when the location is a regular file', () => {
        const location = path.join(dir, 'a-file')
        fs.writeFileSync(location, 'not a directory')
        assert.throws(() => LevelStore(location), namingError(location))
        assert.strictEqual(fs.readFileSync(location, 'utf8'), 'not a directory', 'the file is untouched')
      })

      it('an Error naming the path when the location cannot be created (/proc/xyz)', () => {
        assert.throws(() => LevelStore('/proc/xyz'), namingError('/proc/xyz'))
        assert.throws(() => LevelStore({ location: '/proc/xyz/db' }), namingError('/proc/xyz/db'))
      })
    })
  })

  describe('the Store API, further cases', () => {
    let store, s
    beforeEach(() => {
      store = open()
      s = api(store)
    })

    it('a key whose toString throws fails through the callback, never by a throw', async () => {
      // errorOf rejects on a synchronous throw and fails a synchronous callback. Keys are strings
      // or numbers, in every store (test/store-keys.test.js): the object is refused unread.
      const throwing = { toString () { throw new Error('no string') } }
      for (const err of [await s.errorOf('get', 'id', throwing, HOUR), await s.errorOf('set', 'id', throwing, 1, HOUR), await s.errorOf('del', 'id', throwing, HOUR)]) {
        assert.ok(err instanceof TypeError && /must be a string or a number/.test(err.message), String(err))
      }
    })

    describe('set(id, key, value, expire, cb)', () => {
      it('stores a value with a toJSON as its JSON', async () => {
        await s.set('id', 'when', new Date(86400000))
        assert.strictEqual(await s.get('id', 'when'), '1970-01-02T00:00:00.000Z')
        await s.set('id', 'custom', { toJSON () { return { replaced: true } } })
        assert.deepStrictEqual(await s.get('id', 'custom'), { replaced: true })
      })

      it('round-trips unicode and odd characters in ids, keys and values', async () => {
        const id = 'session:é日本\u0000\u2028/\\"x'
        const key = 'ключ \u0001 😀'
        await s.set(id, key, '值 😀 \u0000')
        assert.strictEqual(await s.get(id, key), '值 😀 \u0000')
        assert.deepStrictEqual(await s.getAll(id), { [key]: '值 😀 \u0000' })
      })

      it('stores a large value (1 MiB)', async () => {
        const big = 'b'.repeat(1024 * 1024)
        await s.set('id', 'big', { big })
        assert.deepStrictEqual(await s.get('id', 'big'), { big })
      })

      it('with a function or a symbol as value removes the key', async () => {
        await s.set('id', 'f', 1)
        await s.set('id', 'y', 2)
        await s.set('id', 'f', () => 1)
        await s.set('id', 'y', Symbol('y'))
        assert.deepStrictEqual(await s.getAll('id'), {})
      })

      it('lands parallel sets to 100 sessions', async () => {
        const ids = Array.from({ length: 100 }, (_, i) => 'session:' + i)
        await Promise.all(ids.map((id, i) => s.set(id, 'k', i)))
        const all = await Promise.all(ids.map((id) => s.getAll(id)))
        assert.deepStrictEqual(all, ids.map((_, i) => ({ k: i })))
      })

      it('takes the empty id as MemoryStore does', async () => {
        const memory = api(genericSession.MemoryStore())
        for (const t of [s, memory]) {
          await t.set('', 'k', 'v')
          await t.set('x', 'k', 'other')
        }
        assert.deepStrictEqual(await s.getAll(''), await memory.getAll(''))
        assert.deepStrictEqual(await s.getAll(''), { k: 'v' })
      })
    })

    describe('del(id, key, expire, cb)', () => {
      it('calls back with no value', (done) => {
        store.del('id', 'k', HOUR, (...args) => {
          try {
            assert.ok(args[0] == null, String(args[0]))
            assert.strictEqual(args[1], undefined)
            done()
          } catch (err) {
            done(err)
          }
        })
      })
    })

    describe('delAll(id, cb)', () => {
      it('leaves a session that can be written again', async () => {
        await s.set('id', 'a', 1)
        await s.delAll('id')
        await s.set('id', 'b', 2)
        assert.deepStrictEqual(await s.getAll('id'), { b: 2 })
      })
    })

    describe('order: call order is apply order', () => {
      const noop = () => {}

      it('a get issued right after a set, without waiting, sees the value', async () => {
        store.set('id', 'k', 'v', HOUR, noop)
        assert.strictEqual(await s.get('id', 'k'), 'v')
      })

      it('a get issued right after a del, without waiting, sees undefined', async () => {
        await s.set('id', 'k', 'v')
        store.del('id', 'k', HOUR, noop)
        assert.strictEqual(await s.get('id', 'k'), undefined)
      })

      it('a getAll issued right after a delAll, without waiting, sees {}', async () => {
        await s.set('id', 'k', 'v')
        store.delAll('id', noop)
        assert.deepStrictEqual(await s.getAll('id'), {})
      })

      it('a set without a callback is visible to a get in the next tick', async () => {
        store.set('id', 'k', 'no callback', HOUR)
        await new Promise((resolve) => process.nextTick(resolve))
        assert.strictEqual(await s.get('id', 'k'), 'no callback')
        store.del('id', 'k', HOUR)
        assert.strictEqual(await s.get('id', 'k'), undefined)
        store.set('id', 'k', 'again')
        store.delAll('id')
        assert.deepStrictEqual(await s.getAll('id'), {})
      })

      it('calls back in call order', async () => {
        const order = []
        const all = []
        for (let i = 0; i < 50; i++) {
          const method = ['set', 'get', 'del', 'getAll', 'extend'][i % 5]
          all.push(new Promise((resolve) => {
            const cb = (err) => { order.push(i); resolve(err) }
            if (method === 'set') store.set('id', 'k' + i, i, HOUR, cb)
            else if (method === 'get') store.get('id', 'k' + (i - 1), HOUR, cb)
            else if (method === 'del') store.del('id', 'k' + (i - 2), HOUR, cb)
            else if (method === 'getAll') store.getAll('id', HOUR, cb)
            else store.extend('id', HOUR, cb)
          }))
        }
        const errors = await Promise.all(all)
        assert.deepStrictEqual(errors.filter(Boolean), [])
        assert.deepStrictEqual(order, Array.from({ length: 50 }, (_, i) => i))
      })

      it('each read sees exactly the writes issued before it', async () => {
        const seen = []
        for (let i = 0; i < 20; i++) {
          store.set('id', 'n', i, HOUR, noop)
          seen.push(s.get('id', 'n'))
        }
        assert.deepStrictEqual(await Promise.all(seen), Array.from({ length: 20 }, (_, i) => i))
      })
    })
  })

  describe('the expire argument (ms since the last access)', () => {
    let store, s
    beforeEach(() => {
      store = open()
      s = api(store)
    })

    it('a session untouched for 500 ms with expire 300 ms reads as empty', async () => {
      await s.set('idle', 'k', 'v', 300)
      await s.set('idle', 'j', { x: 1 }, 300)
      assert.deepStrictEqual(await s.getAll('idle', 300), { k: 'v', j: { x: 1 } }, 'fresh: readable')
      await sleep(500)
      assert.strictEqual(await s.get('idle', 'k', 300), undefined)
      assert.deepStrictEqual(await s.getAll('idle', 300), {})
      assert.strictEqual(await s.get('idle', 'j', 300), undefined)
    })

    it('sessions touched every 100 ms by get, getAll, set, del or extend survive 800 ms with expire 300 ms', async () => {
      await touchEvery100ms(s, 800, 300)
      assert.deepStrictEqual(await s.getAll('idle', 300), {}, 'untouched for 800 ms: gone')
      assert.deepStrictEqual(await s.getAll('by-get', 300), { k: 'by-get' })
      assert.deepStrictEqual(await s.getAll('by-getAll', 300), { k: 'by-getAll' })
      assert.strictEqual(await s.get('by-set', 'k', 300), 'by-set')
      assert.deepStrictEqual(await s.getAll('by-del', 300), { k: 'by-del' })
      assert.deepStrictEqual(await s.getAll('by-extend', 300), { k: 'by-extend' })
    })

    it('an expired session written to again starts empty: old keys do not come back', async () => {
      await s.set('id', 'old', 'stale', 300)
      await sleep(500)
      await s.set('id', 'new', 'fresh', 300)
      assert.deepStrictEqual(await s.getAll('id', 300), { new: 'fresh' })
      assert.strictEqual(await s.get('id', 'old', 300), undefined)
    })

    it('extend does not bring an expired session back', async () => {
      await s.set('id', 'k', 'v', 300)
      await sleep(500)
      await s.extend('id', HOUR)
      assert.deepStrictEqual(await s.getAll('id', HOUR), {})
    })

    it('a later access with a longer expire keeps the session longer', async () => {
      await s.set('id', 'k', 'v', 200)
      await s.get('id', 'k', HOUR)
      await sleep(500)
      assert.deepStrictEqual(await s.getAll('id', HOUR), { k: 'v' })
    })

    it('expires each session on its own', async () => {
      await s.set('short', 'k', 1, 300)
      await s.set('long', 'k', 2, HOUR)
      await sleep(500)
      assert.deepStrictEqual(await s.getAll('short', 300), {})
      assert.deepStrictEqual(await s.getAll('long', HOUR), { k: 2 })
    })
  })

  describe('sweeping expired sessions from disk', () => {
    it('removes 200 sessions expired 200 ms after their last write, with sweepInterval 100 ms', async () => {
      const store = open({ location: dir, sweepInterval: 100 })
      const s = api(store)
      const ids = Array.from({ length: 200 }, (_, i) => 'session:swept-' + i)
      await Promise.all(ids.map((id, i) => s.set(id, 'k', { i, pad: 'x'.repeat(200) }, 200)))
      await s.set('session:kept', 'k', 'kept', HOUR)
      await sleep(1500)
      assert.ok(!(await closeStore(store)))

      // Reopened, and read with a long expire: a sweep that never ran would show the data again
      // to a store that only checks expiry against the expire argument of the read.
      const reopened = open({ location: dir, sweepInterval: 60000 })
      const r = api(reopened)
      const left = []
      for (const id of ids) {
        const all = await r.getAll(id, HOUR)
        if (Object.keys(all).length) left.push(id)
      }
      assert.deepStrictEqual(left, [], `${left.length} expired sessions still readable`)
      assert.deepStrictEqual(await r.getAll('session:kept', HOUR), { k: 'kept' })
    })
  })

  describe('one opener per location', () => {
    it('throws when the location is already open in this process, naming the path', async () => {
      const first = open()
      assert.throws(() => LevelStore(dir), lockError(dir))
      assert.throws(() => LevelStore(dir), (err) => {
        assert.strictEqual(err.message, `LevelStore: ${JSON.stringify(dir)} is in use: its lock is held by this process (${process.pid}): ` +
          'another LevelStore on this location is open in it (close that one first)')
        return true
      })
      assert.throws(() => new LevelStore({ location: dir }), lockError(dir))
      assert.throws(() => genericSession.levelSession(dir), lockError(dir))
      // the failed opens did not disturb the first store, nor release its lock
      const s = api(first)
      await s.set('id', 'k', 'still mine')
      assert.strictEqual(await s.get('id', 'k'), 'still mine')
      assert.throws(() => LevelStore(dir), lockError(dir))
    })

    it('throws for the same directory reached by another spelling of its path', async () => {
      open()
      const link = dir + '-link'
      fs.symlinkSync(dir, link)
      // a store that opens anyway is closed after the test, not leaked
      const refused = (location) => {
        let err = null
        try {
          open(location)
        } catch (e) {
          err = e
        }
        assert.ok(err, `${location} opened a second time`)
        assert.match(err.message, /lock|in use/i)
      }
      try {
        refused(dir + '/')
        refused(path.join(dir, '..', path.basename(dir)))
        refused(link)
      } finally {
        fs.unlinkSync(link)
      }
    })

    it('opens again after close, in the same process', async () => {
      const first = LevelStore(dir)
      assert.ok(!(await closeStore(first)))
      const second = open()
      assert.deepStrictEqual(await api(second).getAll('id'), {})
    })
  })

  describe('the session cache (options.cacheSize)', () => {
    const noop = () => {}

    it('refuses a cacheSize that is not a whole number of bytes, naming the option', () => {
      for (const cacheSize of [-1, 1.5, '1', NaN, Infinity, null]) {
        assert.throws(() => LevelStore({ location: dir, cacheSize }), (err) => {
          assert.ok(err instanceof RangeError, String(err))
          assert.match(err.message, /options\.cacheSize/)
          return true
        }, String(cacheSize))
      }
      const db = { get () {} }
      assert.throws(() => LevelStore({ db, cacheSize: 1024 }), /options\.cacheSize is for a directory of its own/)
    })

    it('a read of a cached session does not wait for the store\'s thread, and still calls back asynchronously', async () => {
      const store = open()
      const s = api(store)
      await s.set('cached', 'k', 'v')
      const order = []
      let inThisTick = true
      const uncached = new Promise((resolve) => store.get('never-written', 'k', HOUR, (err, v) => { order.push('uncached'); resolve([err, v]) }))
      const cached = new Promise((resolve) => store.get('cached', 'k', HOUR, (err, v) => {
        assert.strictEqual(inThisTick, false, 'not called back synchronously')
        order.push('cached')
        resolve([err, v])
      }))
      inThisTick = false
      assert.deepStrictEqual(await Promise.all([uncached, cached]), [[null, undefined], [null, 'v']])
      assert.deepStrictEqual(order, ['cached', 'uncached'], 'the cached read was answered first')
    })

    it('a cached session\'s reads stay in order with its writes issued around them', async () => {
      const store = open()
      const s = api(store)
      await s.set('id', 'k', 'old')
      assert.strictEqual(await s.get('id', 'k'), 'old')
      const seen = [s.get('id', 'k')]
      store.set('id', 'k', 'new', HOUR, noop)
      seen.push(s.get('id', 'k'), s.getAll('id'))
      store.del('id', 'k', HOUR, noop)
      seen.push(s.get('id', 'k'))
      store.set('id', 'j', 1, HOUR, noop)
      store.revoke('id', noop)
      seen.push(s.getAll('id'), s.get('id', 'j'))
      assert.deepStrictEqual(await Promise.all(seen), ['old', 'new', { k: 'new' }, undefined, {}, undefined])
      await sleep(20)
      assert.deepStrictEqual(await s.getAll('id'), {}, 'and once nothing is in flight')
    })

    it('a cache too small for the sessions still answers every read right (it evicts)', async () => {
      const s = api(open({ location: dir, cacheSize: 2048 }))
      const ids = Array.from({ length: 300 }, (_, i) => 'id' + i)
      await Promise.all(ids.map((id, i) => s.set(id, 'k', { i })))
      for (let round = 0; round < 2; round++) {
        assert.deepStrictEqual(await Promise.all(ids.map((id) => s.get(id, 'k'))), ids.map((_, i) => ({ i })))
        assert.deepStrictEqual(await Promise.all(ids.map((id) => s.getAll(id))), ids.map((_, i) => ({ k: { i } })))
      }
    })

    it('with cacheSize: 0 every read goes to the store\'s thread, with the same answers', async () => {
      const store = open({ location: dir, cacheSize: 0 })
      const s = api(store)
      await s.set('id', 'k', 'v')
      const order = []
      const first = new Promise((resolve) => store.get('never-written', 'k', HOUR, () => resolve(order.push('first'))))
      const second = new Promise((resolve) => store.get('id', 'k', HOUR, () => resolve(order.push('second'))))
      await Promise.all([first, second])
      assert.deepStrictEqual(order, ['first', 'second'], 'no read overtakes another')
      assert.deepStrictEqual(await s.getAll('id'), { k: 'v' })
    })
  })

  describe('close(cb)', () => {
    it('keeps the data for the next opener', async () => {
      const first = LevelStore(dir)
      const s = api(first)
      await s.set('id', 'a', 1)
      await s.set('id', 'b', { c: 'd' })
      await s.set('other', 'x', [1, 2])
      await s.del('id', 'a')
      assert.ok(!(await closeStore(first)))
      const r = api(open())
      assert.deepStrictEqual(await r.getAll('id'), { b: { c: 'd' } })
      assert.deepStrictEqual(await r.getAll('other'), { x: [1, 2] })
    })

    it('flushes what was issued before it: every earlier callback succeeds and the data is kept', async () => {
      const first = LevelStore(dir)
      const acks = []
      for (let i = 0; i < 100; i++) {
        acks.push(new Promise((resolve) => first.set('id', 'k' + i, i, HOUR, (err) => resolve(err))))
      }
      const closed = closeStore(first)
      assert.deepStrictEqual((await Promise.all(acks)).filter(Boolean), [], 'no set failed')
      assert.ok(!(await closed))
      const all = await api(open()).getAll('id')
      assert.strictEqual(Object.keys(all).length, 100)
    })

    it('calls back asynchronously with no error', (done) => {
      const store = LevelStore(dir)
      let returned = false
      store.close((...args) => {
        try {
          assert.ok(returned, 'not synchronously')
          assert.ok(args[0] == null, String(args[0]))
          done()
        } catch (err) {
          done(err)
        }
      })
      returned = true
    })

    it('a second close calls back with no error', async () => {
      const store = LevelStore(dir)
      assert.ok(!(await closeStore(store)))
      assert.ok(!(await closeStore(store)))
    })

    it('two closes issued together both call back with no error', async () => {
      const store = LevelStore(dir)
      const [a, b] = await Promise.all([closeStore(store), closeStore(store)])
      assert.ok(!a, String(a))
      assert.ok(!b, String(b))
    })

    it('after close, every operation calls back (asynchronously) with an Error saying closed', async () => {
      const store = LevelStore(dir)
      const s = api(store)
      await s.set('id', 'k', 'v')
      assert.ok(!(await closeStore(store)))
      for (const [method, err] of Object.entries(await s.errorsOfEach('id'))) {
        assert.ok(err instanceof Error, `${method}: ${err}`)
        assert.match(err.message, /closed/, method)
        assert.doesNotMatch(err.message, /synchronously/, method)
      }
      assert.doesNotThrow(() => store.extend('id', HOUR))
      assert.doesNotThrow(() => store.set('id', 'k', 'v', HOUR))
      // and nothing was written after close
      assert.strictEqual(await api(open()).get('id', 'k'), 'v')
    })

    it('operations issued right after close (same tick) also fail with closed', async () => {
      const store = LevelStore(dir)
      const closed = closeStore(store)
      const err = await new Promise((resolve) => store.set('id', 'k', 'v', HOUR, (e) => resolve(e)))
      assert.ok(err instanceof Error && /closed/.test(err.message), String(err))
      assert.ok(!(await closed))
      assert.deepStrictEqual(await api(open()).getAll('id'), {})
    })
  })
})
