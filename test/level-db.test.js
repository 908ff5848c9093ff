'use strict'

// LevelStore({ db }) and levelSession({ db }) on the application's own database, for each of
// level@6 (levelup, callbacks), classic-level@3 and memory-level@3 (abstract-level, Promises; the
// Store API suite and the HTTP flow run on each through test/helpers/stores.js): what is
// particular to sharing a database: the '!session!' namespace, the application's db left
// open, its errors reaching callbacks, expiry and the sweeper, order, and bad options.

const assert = require('assert')
const path = require('path')
const { execFile } = require('child_process')
const genericSession = require('..')
const { kKeepsContract } = require('../lib/store-contract')
const { HOUR, sleep, tempDir, removeDir, api, touchEvery100ms, closeStore, closeQuietly } = require('./helpers/level')
const { BACKENDS, MemoryLevel, isOpen, isOpening, entries, sessionRecords, rawGet, closeDb } = require('./helpers/level-db')
const { stubRequest, stubResponse } = require('./helpers/stubs')

const { LevelStore, levelSession } = genericSession
const ROOT = path.join(__dirname, '..')

// The record keys of the layout (lib/stores/level/app-db.js), under '!session!'.
const dataKey = (id, key) => 'd' + id.length.toString(16).padStart(8, '0') + id + '\u0000' + key
const metaKey = (id) => 'm' + id
const indexKey = (expires, id) => 'x' + String(expires).padStart(16, '0') + id

// An error whose message names every one of `names`.
function naming (Type, ...names) {
  return (err) => {
    assert.ok(err instanceof Type, String(err))
    for (const name of names) assert.ok(err.message.includes(name), `the message names ${name}: ${err.message}`)
    return true
  }
}

for (const backend of BACKENDS) {
  describe(`LevelStore({ db }) on ${backend.name}`, () => {
    describe('sharing the application\'s database', () => {
      // Each test has a directory and a database opened in it (still opening); stores made with
      // `open` are closed after it, then the database.
      let dir, db, opened
      const open = (options = {}) => {
        const store = LevelStore({ db, ...options })
        opened.push(store)
        return store
      }

      beforeEach(() => {
        dir = tempDir()
        db = backend.open(path.join(dir, 'db'))
        opened = []
      })

      afterEach(async () => {
        for (const store of opened) await closeQuietly(store)
        await closeDb(db)
        removeDir(dir)
      })

      describe('making one', () => {
        it('is a LevelStore, with or without new, on a database that is still opening', async () => {
          await closeDb(db)
          db = backend.open(path.join(dir, 'fresh'))
          assert.ok(isOpening(db), 'the database is still opening')
          const a = open()
          const b = new LevelStore({ db })
          opened.push(b)
          for (const store of [a, b]) {
            assert.ok(store instanceof LevelStore)
            assert.strictEqual(store.db, db)
            assert.strictEqual(store[kKeepsContract], true)
            for (const method of ['get', 'getAll', 'set', 'del', 'delAll', 'extend', 'close']) {
              assert.strictEqual(typeof store[method], 'function', method)
            }
          }
          await api(a).set('id', 'k', 'v')
          assert.strictEqual(await api(b).get('id', 'k'), 'v', 'two stores on one database see one set of sessions')
        })

        it('levelSession({ db }) is a filter on such a store', async () => {
          const filter = levelSession({ db, keys: ['secret'] })
          opened.push(filter)
          assert.ok(filter.store instanceof LevelStore)
          assert.strictEqual(filter.store.db, db)
          const req = stubRequest()
          const res = stubResponse()
          filter(req, res, () => {})
          await req.session.set('k', { v: 1 })
          assert.deepStrictEqual(await api(filter.store).getAll(req.session.id), { k: { v: 1 } })
        })
      })

      describe('the !session! namespace', () => {
        // Keys that sort just before, around and just after '!session!' ('"' follows '!'), the
        // unprefixed forms of this store's records, and the session ids themselves.
        const ids = ['session:one', 'session:two', 'session:gone']
        const appKeys = [
          ' ', '!', '!sessio', '!session', '!session\u0000', '!session ', '!session"', '!session"x', '!sessioo', '!sessiom~', '!sessiop',
          'session', 'session:one', 'session:two', 'session:gone', 'm' + 'session:one', 'd', 'x', dataKey('session:one', 'k'),
          metaKey('session:two'), indexKey(0, 'session:gone'), '~', '\uffff'
        ]

        for (const valueEncoding of [undefined, 'json']) {
          it(`leaves every application key alone${valueEncoding ? ' (the database\'s valueEncoding is json)' : ''}, writing only under '!session!'`, async () => {
            const appDb = valueEncoding ? backend.open(path.join(dir, 'json'), { valueEncoding }) : db
            try {
              const appValue = (key) => (valueEncoding ? { app: key } : 'app:' + key)
              for (const key of appKeys) await appDb.put(key, appValue(key))
              const store = open({ db: appDb, sweepInterval: 20 })
              const s = api(store)
              for (const id of ids) {
                await s.set(id, 'k', { id })
                await s.set(id, 'other', [1, 2])
              }
              await s.set('session:gone', 'short', 'lived', 50)
              await s.del('session:one', 'other')
              await s.delAll('session:two')
              await s.extend('session:one')
              assert.deepStrictEqual(await s.getAll('session:one'), { k: { id: 'session:one' } })
              assert.deepStrictEqual(await s.get('session:one', 'k'), { id: 'session:one' })
              await sleep(250) // session:gone expires, and is swept
              assert.deepStrictEqual(await s.getAll('session:gone', 50), {})

              // The application's keys, read with its own encoding, are as it wrote them.
              for (const key of appKeys) {
                assert.deepStrictEqual(await appDb.get(key), appValue(key), JSON.stringify(key))
              }
              // Everything else is under '!session!'; the values are JSON text, encoded once.
              const others = (await entries(appDb)).filter(([key]) => !appKeys.includes(key))
              assert.ok(others.length > 0)
              for (const [key] of others) assert.ok(key.startsWith('!session!'), JSON.stringify(key))
              const records = await sessionRecords(appDb)
              assert.strictEqual(records.get(dataKey('session:one', 'k')), '{"id":"session:one"}')
              assert.ok(![...records.keys()].some((key) => key.includes('session:gone')), 'the swept session left nothing')
              assert.ok(![...records.keys()].some((key) => key.includes('session:two')), 'delAll left nothing')
            } finally {
              if (appDb !== db) await closeDb(appDb)
            }
          })
        }

        if (backend.abstract) {
          it('the application reads the sessions through db.sublevel(\'session\')', async () => {
            const s = api(open())
            await s.set('session:abc', 'user', { name: 'Ann' })
            const sub = db.sublevel('session', { keyEncoding: 'utf8', valueEncoding: 'utf8' })
            assert.strictEqual(await sub.get(dataKey('session:abc', 'user')), '{"name":"Ann"}')
            const keys = (await sub.iterator().all()).map(([key]) => key)
            assert.strictEqual(keys.length, 3, keys.join(', '))
            assert.ok(keys.includes(metaKey('session:abc')))
            assert.ok(keys.some((key) => key.startsWith('x') && key.endsWith('session:abc')))
            // and a store on a sublevel of the application's keeps to that sublevel
            const inner = api(open({ db: db.sublevel('app') }))
            await inner.set('session:abc', 'user', 'inner')
            assert.deepStrictEqual(await s.get('session:abc', 'user'), { name: 'Ann' })
            assert.strictEqual(await rawGet(db, '!app!!session!' + dataKey('session:abc', 'user')), '"inner"')
          })
        } else {
          it('the application reads the sessions in the range [\'!session!\', \'!session"\')', async () => {
            const s = api(open())
            await s.set('session:abc', 'user', { name: 'Ann' })
            const records = await sessionRecords(db)
            assert.strictEqual(records.size, 3, [...records.keys()].join(', '))
            assert.strictEqual(records.get(dataKey('session:abc', 'user')), '{"name":"Ann"}')
            assert.ok(records.has(metaKey('session:abc')))
          })
        }
      })

      if (backend.persistent) {
        it('keeps sessions when the application closes its database and opens it again', async () => {
          const first = LevelStore({ db })
          const s = api(first)
          await s.set('session:a', 'k', { n: 1 })
          await s.set('session:a', 'j', 'two')
          await s.set('session:b', 'k', [3])
          await s.del('session:a', 'j')
          assert.ok(!(await closeStore(first)))
          await db.close()

          db = backend.open(path.join(dir, 'db'))
          const r = api(open())
          assert.deepStrictEqual(await r.getAll('session:a'), { k: { n: 1 } })
          assert.deepStrictEqual(await r.getAll('session:b'), { k: [3] })
        })
      }

      describe('expiry (ms since the last access)', () => {
        it('a session untouched for longer than expire reads as empty before any sweep, and its records go', async () => {
          const s = api(open()) // the sweeper runs every minute: not within this test
          await s.set('idle', 'k', 'v', 200)
          await s.set('idle', 'j', { x: 1 }, 200)
          assert.deepStrictEqual(await s.getAll('idle', 200), { k: 'v', j: { x: 1 } })
          await sleep(400)
          assert.strictEqual(await s.get('idle', 'k', 200), undefined)
          assert.deepStrictEqual(await s.getAll('idle', 200), {})
          assert.deepStrictEqual([...(await sessionRecords(db)).keys()], [], 'reading it removed it')
        })

        it('sessions touched every 100 ms by get, getAll, set, del or extend survive 700 ms with expire 300 ms', async () => {
          const s = api(open())
          await touchEvery100ms(s, 700, 300)
          assert.deepStrictEqual(await s.getAll('idle', 300), {}, 'untouched for 700 ms: gone')
          for (const id of ['by-get', 'by-getAll', 'by-del', 'by-extend']) assert.deepStrictEqual(await s.getAll(id, 300), { k: id }, id)
          assert.strictEqual(await s.get('by-set', 'k', 300), 'by-set')
        })

        it('an expired session written to again starts empty, and extend does not bring one back', async () => {
          const s = api(open())
          await s.set('written', 'old', 'stale', 200)
          await s.set('extended', 'k', 'v', 200)
          await sleep(400)
          await s.set('written', 'new', 'fresh', 200)
          await s.extend('extended', HOUR)
          assert.deepStrictEqual(await s.getAll('written', 200), { new: 'fresh' })
          assert.deepStrictEqual(await s.getAll('extended', HOUR), {})
        })

        it('a read rewrites the stored expiry only once it has moved by more than 1% of expire', async () => {
          const expire = 20000 // 1%: 200 ms
          const s = api(open())
          await s.set('id', 'k', 'v', expire)
          const stored = async () => Number(await rawGet(db, '!session!' + metaKey('id')))
          const indexed = async () => [...(await sessionRecords(db)).keys()].filter((key) => key.startsWith('x'))
          const first = await stored()
          assert.ok(Math.abs(first - (Date.now() + expire)) < 1000, String(first))
          await sleep(50)
          await s.get('id', 'k', expire)
          await s.getAll('id', expire)
          await s.extend('id', expire)
          assert.strictEqual(await stored(), first, 'within 1%: not rewritten')
          await sleep(250)
          const before = Date.now()
          await s.get('id', 'k', expire)
          const second = await stored()
          assert.ok(second >= before + expire && second <= Date.now() + expire, `rewritten: ${second - first} ms later`)
          assert.deepStrictEqual(await indexed(), [indexKey(second, 'id')], 'one index record, at the new expiry')
        })
      })

      describe('the sweeper', () => {
        it('deletes every record of 200 sessions expired 200 ms after their last write, with sweepInterval 100 ms', async () => {
          const s = api(open({ sweepInterval: 100 }))
          const ids = Array.from({ length: 200 }, (_, i) => 'session:swept-' + i)
          await Promise.all(ids.map((id, i) => s.set(id, 'k', { i }, 200)))
          await Promise.all(ids.slice(0, 20).map((id) => s.set(id, 'j', 'second key', 200)))
          await s.set('session:kept', 'k', 'kept', HOUR)
          assert.strictEqual((await sessionRecords(db)).size, 200 * 3 + 20 + 3)
          await sleep(1000)
          // read straight from the database: only the kept session's data, expiry and index remain
          const left = [...(await sessionRecords(db)).keys()]
          assert.strictEqual(left.length, 3, `${left.length} records left, e.g. ${JSON.stringify(left.slice(0, 4))}`)
          assert.ok(left.every((key) => key.includes('session:kept')), JSON.stringify(left))
          assert.deepStrictEqual(await s.getAll('session:kept'), { k: 'kept' })
        })

        it('keeps a session touched after its old expiry was indexed', async () => {
          const s = api(open({ sweepInterval: 50 }))
          await s.set('id', 'k', 'v', 300)
          const until = Date.now() + 600
          while (Date.now() < until) {
            await sleep(60)
            await s.extend('id', 300)
          }
          assert.deepStrictEqual(await s.getAll('id', 300), { k: 'v' })
        })
      })

      describe('order', () => {
        const noop = () => {}

        it('calls back in call order, across sessions', async () => {
          const store = open()
          const order = []
          const all = []
          for (let i = 0; i < 60; i++) {
            const id = 'id' + (i % 3)
            const method = ['set', 'get', 'del', 'getAll', 'extend'][i % 5]
            all.push(new Promise((resolve) => {
              const cb = (err) => { order.push(i); resolve(err) }
              if (method === 'set') store.set(id, 'k' + i, i, HOUR, cb)
              else if (method === 'get') store.get(id, 'k' + (i - 1), HOUR, cb)
              else if (method === 'del') store.del(id, 'k' + (i - 2), HOUR, cb)
              else if (method === 'getAll') store.getAll(id, HOUR, cb)
              else store.extend(id, HOUR, cb)
            }))
          }
          assert.deepStrictEqual((await Promise.all(all)).filter(Boolean), [])
          assert.deepStrictEqual(order, Array.from({ length: 60 }, (_, i) => i))
        })

        it('each read sees exactly the writes issued before it', async () => {
          const store = open()
          const s = api(store)
          const seen = []
          for (let i = 0; i < 20; i++) {
            store.set('id', 'n', i, HOUR, noop)
            seen.push(s.get('id', 'n'))
            if (i % 5 === 4) {
              store.delAll('id', noop)
              seen.push(s.getAll('id'))
            }
          }
          const expected = []
          for (let i = 0; i < 20; i++) {
            expected.push(i)
            if (i % 5 === 4) expected.push({})
          }
          assert.deepStrictEqual(await Promise.all(seen), expected)
        })

        it('a set without a callback is visible to a get issued in the next tick', async () => {
          const store = open()
          store.set('id', 'k', 'no callback', HOUR)
          await new Promise((resolve) => process.nextTick(resolve))
          assert.strictEqual(await api(store).get('id', 'k'), 'no callback')
        })
      })

      describe('parallel requests on one session', () => {
        it('100 Sessions setting different keys of one session at once lose none', async () => {
          const store = open()
          const first = genericSession(stubRequest(), stubResponse(), store)
          await first.set('start', true)
          const cookie = `s=${first.token}`
          await Promise.all(Array.from({ length: 100 }, (_, i) => {
            const session = genericSession(stubRequest(cookie), stubResponse(), store)
            assert.strictEqual(session.id, first.id)
            return session.set('key' + i, { i })
          }))
          const all = await genericSession(stubRequest(cookie), stubResponse(), store).getAll()
          const lost = Array.from({ length: 100 }, (_, i) => 'key' + i).filter((key) => !(key in all))
          assert.strictEqual(lost.length, 0, `lost: ${lost.join(', ')}`)
          assert.strictEqual(Object.keys(all).length, 101)
        })

        it('two stores on one database, 100 sets through each at once, lose none', async () => {
          const a = api(open())
          const b = api(open())
          await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).set('id', 'k' + i, i)))
          assert.strictEqual(Object.keys(await a.getAll('id')).length, 200)
        })
      })

      describe('close(cb)', () => {
        it('leaves the application\'s database open and its data in place', async () => {
          const store = LevelStore({ db })
          await api(store).set('id', 'k', 'v')
          assert.ok(!(await closeStore(store)))
          assert.ok(isOpen(db), 'still open')
          await db.put('app', 'still usable')
          assert.strictEqual(await rawGet(db, 'app'), 'still usable')
          assert.strictEqual(await api(open()).get('id', 'k'), 'v')
        })

        it('levelSession({ db }).close(cb) leaves it open too', async () => {
          const filter = levelSession({ db })
          await api(filter.store).set('id', 'k', 'v')
          assert.ok(!(await closeStore(filter)))
          assert.ok(isOpen(db), 'still open')
          await db.put('app', 'ok')
          assert.strictEqual(await rawGet(db, 'app'), 'ok')
        })

        it('waits for what was issued before it: every earlier callback succeeds first', async () => {
          const store = LevelStore({ db })
          const events = []
          const acks = []
          for (let i = 0; i < 100; i++) {
            acks.push(new Promise((resolve) => store.set('id', 'k' + i, i, HOUR, (err) => { events.push('set'); resolve(err) })))
          }
          const closed = new Promise((resolve) => store.close((err) => { events.push('close'); resolve(err) }))
          assert.deepStrictEqual((await Promise.all(acks)).filter(Boolean), [], 'no set failed')
          assert.ok(!(await closed))
          assert.strictEqual(events.indexOf('close'), 100, 'close called back last')
          assert.strictEqual(Object.keys(await api(open()).getAll('id')).length, 100)
        })

        it('after close, every operation calls back (asynchronously) with an Error saying closed; a second close is fine', async () => {
          const store = LevelStore({ db })
          const s = api(store)
          await s.set('id', 'k', 'v')
          assert.ok(!(await closeStore(store)))
          for (const err of Object.values(await s.errorsOfEach('id'))) {
            assert.ok(err instanceof Error, String(err))
            assert.strictEqual(err.message, 'LevelStore is closed')
          }
          assert.ok(!(await closeStore(store)))
          assert.strictEqual(await api(open()).get('id', 'k'), 'v', 'nothing was written after close')
        })
      })

      describe('when the application closes its database under the store', () => {
        let unhandled
        const onUnhandled = (reason) => unhandled.push(reason)
        beforeEach(() => {
          unhandled = []
          process.on('unhandledRejection', onUnhandled)
        })
        afterEach(() => process.removeListener('unhandledRejection', onUnhandled))

        it('every operation calls back with the database\'s error; nothing throws, nothing rejects unhandled', async () => {
          const store = open({ sweepInterval: 20 })
          const s = api(store)
          await s.set('id', 'k', 'v', 50)
          await db.close()
          for (const err of Object.values(await s.errorsOfEach('id'))) {
            assert.ok(err instanceof Error, String(err))
            assert.match(err.message, /not open/i)
            assert.doesNotMatch(err.message, /synchronously/)
          }
          await sleep(200) // sweeps fail meanwhile, quietly
          assert.deepStrictEqual(unhandled, [])
          assert.ok(!(await closeStore(store)), 'the store still closes')
        })
      })
    })
  })
}

describe('LevelStore({ db }) options', () => {
  let db
  beforeEach(() => { db = new MemoryLevel() })
  afterEach(() => closeDb(db))

  for (const [what, bad] of [['null', null], ['a number', 42], ['a path', '/tmp/x'], ['{}', {}], ['an object with get and put only', { get () {}, put () {} }], ['a database without iterator', { get () {}, put () {}, del () {}, batch () {} }]]) {
    it(`throws a TypeError naming options.db for ${what}`, () => {
      assert.throws(() => LevelStore({ db: bad }), naming(TypeError, 'options.db'))
      assert.throws(() => new LevelStore({ db: bad }), naming(TypeError, 'options.db'))
      assert.throws(() => levelSession({ db: bad }), naming(TypeError, 'options.db'))
    })
  }

  it('throws a TypeError naming both when given db and location', () => {
    assert.throws(() => LevelStore({ db, location: '/tmp/x' }), naming(TypeError, 'options.db', 'options.location'))
    assert.throws(() => levelSession({ db, location: '/tmp/x' }), naming(TypeError, 'options.db', 'options.location'))
  })

  it('checks sync and sweepInterval as for a location', () => {
    assert.throws(() => LevelStore({ db, sync: 'yes' }), naming(TypeError, 'sync'))
    assert.throws(() => LevelStore({ db, sweepInterval: 0 }), naming(RangeError, 'sweepInterval'))
  })

  it('passes sync to the database with every write', async () => {
    const seen = []
    class Recording extends MemoryLevel {
      async _put (key, value, options) { seen.push(['put', options.sync]); return super._put(key, value, options) }
      async _del (key, options) { seen.push(['del', options.sync]); return super._del(key, options) }
      async _batch (operations, options) { seen.push(['batch', options.sync]); return super._batch(operations, options) }
    }
    for (const sync of [true, false]) {
      const recording = new Recording()
      const store = LevelStore({ db: recording, sync })
      const s = api(store)
      seen.length = 0
      await s.set('id', 'k', 'v')
      await s.del('id', 'k')
      await s.delAll('id')
      assert.ok(!(await closeStore(store)))
      await recording.close()
      assert.ok(seen.length >= 3, JSON.stringify(seen))
      assert.deepStrictEqual(seen.filter(([, given]) => given !== sync), [], `sync: ${sync}`)
    }
  })

  it('its sweeper does not keep the process alive', async () => {
    // A process with an open store on an open classic-level database, and nothing else to do:
    // it ends by itself (the sweeper's timer, every minute by default, is unref'd).
    const dir = tempDir()
    const script = `
      const { LevelStore } = require(${JSON.stringify(ROOT)})
      const { ClassicLevel } = require(${JSON.stringify(require.resolve('classic-level'))})
      const db = new ClassicLevel(${JSON.stringify(path.join(dir, 'db'))})
      const store = LevelStore({ db })
      store.set('id', 'k', 'v', 1000, (err) => console.log(err ? 'failed ' + err.message : 'stored'))
    `
    try {
      const started = Date.now()
      const { stdout } = await new Promise((resolve, reject) => {
        execFile(process.execPath, ['-e', script], { timeout: 10000 }, (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve({ stdout })))
      })
      assert.strictEqual(stdout.trim(), 'stored')
      assert.ok(Date.now() - started < 10000)
    } finally {
      removeDir(dir)
    }
  })

  it('the sweeper follows a full pass (1000 sessions) with another at once, not an interval later', async () => {
    const writer = LevelStore({ db })
    const w = api(writer)
    await Promise.all(Array.from({ length: 2100 }, (_, i) => w.set('s' + i, 'k', i, 50)))
    assert.ok(!(await closeStore(writer)))
    await sleep(100) // all expired
    const sweeper = LevelStore({ db, sweepInterval: 400 })
    try {
      await sleep(400 + 300)
      // three passes were needed: one per interval would have left 1100 sessions
      assert.strictEqual((await sessionRecords(db)).size, 0)
    } finally {
      await closeStore(sweeper)
    }
  })

  it('the sweeper reads only the expiry index up to now, and the records of what expired', async () => {
    const ranges = []
    class Recording extends MemoryLevel {
      iterator (options) {
        ranges.push({ gte: options.gte, lt: options.lt, at: Date.now() })
        return super.iterator(options)
      }
    }
    const recording = new Recording()
    const store = LevelStore({ db: recording, sweepInterval: 30 })
    try {
      const s = api(store)
      for (let i = 0; i < 50; i++) await s.set('live' + i, 'k', i, HOUR)
      await s.set('dies', 'k', 'v', 50)
      ranges.length = 0
      await sleep(300)
      assert.ok(ranges.length > 0, 'the sweeper ran')
      for (const { gte, lt, at } of ranges) {
        if (gte === '!session!x') {
          assert.ok(lt <= '!session!' + indexKey(at + 1, ''), `the index up to now only: ${JSON.stringify(lt)}`)
        } else {
          assert.strictEqual(gte, '!session!' + dataKey('dies', ''), `only the expired session's records: ${JSON.stringify(gte)}`)
        }
      }
      assert.ok(ranges.some(({ gte }) => gte === '!session!' + dataKey('dies', '')), 'the expired session was removed')
      assert.deepStrictEqual(await s.getAll('dies', HOUR), {})
      assert.strictEqual((await sessionRecords(recording)).size, 50 * 3)
    } finally {
      await closeStore(store)
      await recording.close()
    }
  })
})
