'use strict'

// Errors that come from the native side, thrown or called back: none carries napi-rs's
// `code: 'GenericFailure'` (the N-API status it would name), which says nothing to users and is
// no code of this package. The stores made here: a bad location, one in use (here and in another
// process), bad arguments to each store, calls on closed stores, and a RedisStore whose server is
// not there.

const assert = require('assert')
const fs = require('fs')
const path = require('path')
const { MemoryLevel } = require('memory-level')
const genericSession = require('..')
const { tempDir, removeDir, closeStore, closeQuietly, runChild } = require('./helpers/level')

const { LevelStore, RedisStore, MemoryStore } = genericSession

// Asserts `err` is an Error without N-API's status code.
function plain (err, what) {
  assert.ok(err instanceof Error, `${what}: ${err}`)
  assert.notStrictEqual(err.code, 'GenericFailure', `${what}: ${err.message}`)
  return true
}

// The error `fn` throws.
function thrown (fn) {
  try {
    fn()
  } catch (err) {
    return err
  }
  assert.fail('did not throw')
}

// Every Store API call on `store` with `id`, each resolving to its callback's error.
function everyCall (store, id) {
  const call = (fn) => new Promise((resolve) => fn((err) => resolve(err)))
  return {
    get: call((cb) => store.get(id, 'k', 1000, cb)),
    getAll: call((cb) => store.getAll(id, 1000, cb)),
    set: call((cb) => store.set(id, 'k', 1, 1000, cb)),
    del: call((cb) => store.del(id, 'k', 1000, cb)),
    delAll: call((cb) => store.delAll(id, cb)),
    revoke: call((cb) => store.revoke(id, cb)),
    extend: call((cb) => store.extend(id, 1000, cb))
  }
}

describe('errors from the native side carry no N-API code', () => {
  let dir, opened
  beforeEach(() => {
    dir = tempDir()
    opened = []
  })
  afterEach(async () => {
    for (const store of opened) await closeQuietly(store)
    removeDir(dir)
  })
  const keep = (store) => {
    opened.push(store)
    return store
  }

  describe('LevelStore(...) that cannot open', () => {
    it('a location that is a file', () => {
      const file = path.join(dir, 'a-file')
      fs.writeFileSync(file, 'x')
      const err = thrown(() => LevelStore(file))
      plain(err, 'a file')
      assert.strictEqual(err.code, undefined)
      assert.ok(err.message.startsWith(`LevelStore: cannot open ${JSON.stringify(file)}: `), err.message)
    })

    it('a location under a file', () => {
      const file = path.join(dir, 'a-file')
      fs.writeFileSync(file, 'x')
      const err = thrown(() => LevelStore(path.join(file, 'below')))
      plain(err, 'under a file')
      assert.strictEqual(err.code, undefined)
    })

    it('a location in use in this process', () => {
      keep(LevelStore(dir))
      const err = thrown(() => LevelStore(dir))
      plain(err, 'in use here')
      assert.strictEqual(err.code, undefined)
      assert.match(err.message, /is in use/)
    })

    it('a location in use by another process', async () => {
      keep(LevelStore(dir))
      const refused = await runChild('try-open', dir)
      assert.strictEqual(refused.code, 0, refused.stderr)
      const report = JSON.parse(refused.lines[0])
      assert.match(report.error, /is in use/)
      assert.strictEqual(report.name, 'Error')
      assert.strictEqual(report.code, undefined)
    })
  })

  describe('bad arguments to a store', () => {
    const kinds = {
      MemoryStore: () => MemoryStore(),
      LevelStore: () => keep(LevelStore(dir)),
      'LevelStore({ db })': () => keep(LevelStore({ db: new MemoryLevel() })),
      // nothing listens there: a bad argument fails before any connection is tried
      RedisStore: () => keep(RedisStore({ url: 'redis://127.0.0.1:1', connectTimeout: 100, commandTimeout: 200 }))
    }
    for (const [kind, make] of Object.entries(kinds)) {
      it(`${kind}: ids that are not strings`, async () => {
        const store = make()
        for (const id of [5, null, undefined, {}, Symbol('id')]) {
          for (const [method, answer] of Object.entries(everyCall(store, id))) {
            const err = await answer
            // LevelStore({ db }) is JavaScript: it stores what String(id) gives, so no error
            if (err) plain(err, `${kind}.${method}(${String(id)})`)
            // the off-thread stores' are plain Errors (MemoryStore's still say 'StringExpected')
            if (err && kind !== 'MemoryStore') assert.strictEqual(err.code, undefined, `${kind}.${method}(${String(id)})`)
          }
        }
      })
    }

    it('RedisStore: a certificate that cannot be read is a TypeError naming the option', () => {
      const err = thrown(() => RedisStore({ url: 'rediss://127.0.0.1:1', tls: { ca: '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----' } }))
      plain(err, 'bad ca')
      assert.ok(err instanceof TypeError)
      assert.strictEqual(err.code, undefined)
      assert.match(err.message, /^RedisStore options\.url \(or options\.tls\): /)
    })
  })

  describe('calls that fail', () => {
    for (const kind of ['LevelStore', 'RedisStore']) {
      it(`${kind}: every call after close`, async () => {
        const store = kind === 'LevelStore' ? LevelStore(dir) : RedisStore({ url: 'redis://127.0.0.1:1', connectTimeout: 100, commandTimeout: 200 })
        assert.ok(!(await closeStore(store)))
        for (const [method, answer] of Object.entries(everyCall(store, 'session:x'))) {
          const err = await answer
          plain(err, `${kind}.${method} after close`)
          assert.strictEqual(err.code, undefined)
          assert.strictEqual(err.message, `${kind} is closed`)
        }
      })
    }

    it('RedisStore: every call while the server is not there', async () => {
      const store = keep(RedisStore({ url: 'redis://127.0.0.1:1', connectTimeout: 100, commandTimeout: 300 }))
      for (const [method, answer] of Object.entries(everyCall(store, 'session:x'))) {
        const err = await answer
        plain(err, `RedisStore.${method}`)
        assert.strictEqual(err.code, undefined)
        assert.match(err.message, /^RedisStore \(redis:\/\/127\.0\.0\.1:1\): /)
      }
    })
  })
})
