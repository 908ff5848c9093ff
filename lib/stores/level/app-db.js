'use strict'

// LevelStore({ db }): the Store API in JavaScript over the application's own open database
// (levelup or abstract-level, through ./adapter.js), shared with the application. It is the
// native LevelStore's design (src/level/keys.rs, src/level/engine.rs) on another engine.
//
// Namespace: every key this store writes starts with '!session!', the prefix under which
// db.sublevel('session') (abstract-level) and subleveldown keep their keys, so the application's
// own keys are never touched, and it can read these through its own sublevel. Keys and values are
// utf8 text whatever the database's default encodings. Under the prefix:
//
//   d + id length (8 hex digits) + id + NUL + key → the value's JSON text: one record per session
//     key, so writes to different keys of one session never overwrite each other. The length makes
//     `d + length + id + NUL` match exactly one session's records, whatever characters ids hold.
//   m + id → the session's expiry, in ms since the epoch (decimal); a revoked session's (its
//     tombstone) is 'R' and the expiry, then, if regenerate() moved its data, a space and the id
//     it went to.
//   x + expiry (16 digits) + id → '': the expiry index, in time order, so the sweeper reads only
//     what has expired and never scans live sessions.
//
// Order: the operations of one session run one after another in call order (each reads the
// expiry, then writes), different sessions side by side; callbacks are called in call order, as
// the native store's. Stores sharing one db object share these queues.

const { TOMBSTONE_MS, MAX_MOVES_FOLLOWED } = require('../../native')
const { levelDbAdapter } = require('./adapter')
const { noop, expireMs, setAsJson, callbackOrPromise, closedError } = require('../common')
const { callTexts, userText } = require('../texts')
const { SessionQueues } = require('../../session-queues')
const { userIndexMethods } = require('../../users/store-methods')
const { sessionExpired } = require('../../events')

const PREFIX = '!session!'
const DATA = PREFIX + 'd'
const META = PREFIX + 'm'
const INDEX = PREFIX + 'x'
const EXPIRY_DIGITS = 16 // Number.MAX_SAFE_INTEGER has 16 digits
const MAX_EXPIRY = Number.MAX_SAFE_INTEGER

// As the native store: a read rewrites the stored expiry only when it has moved by more than 1%
// of `expire`; at most this many expired sessions go per sweep pass, and a full pass is followed
// by another at once.
const EXPIRY_SLACK_DIVISOR = 100
const SWEEP_BATCH = 1000
const MAX_TIMER_MS = 0x7fffffff // setTimeout fires at once past this

// --- keys ---

function dataPrefix (id) {
  return DATA + id.length.toString(16).padStart(8, '0') + id + '\u0000'
}

// Just past every data record of the session: its prefix with the NUL raised to \u0001.
function dataEnd (id) {
  return DATA + id.length.toString(16).padStart(8, '0') + id + '\u0001'
}

function dataKey (id, key) {
  return dataPrefix(id) + key
}

function metaKey (id) {
  return META + id
}

function indexKey (expires, id) {
  return INDEX + String(expires).padStart(EXPIRY_DIGITS, '0') + id
}

// { expires, id } of an index record, or undefined if it is not one.
function parseIndex (record) {
  const digits = record.slice(INDEX.length, INDEX.length + EXPIRY_DIGITS)
  if (!record.startsWith(INDEX) || !/^\d{16}$/.test(digits)) return undefined
  return { expires: Number(digits), id: record.slice(INDEX.length + EXPIRY_DIGITS) }
}

// A stored expiry; an unreadable one counts as long past, so the session is removed. A revoked
// session's meta record is its tombstone: 'R' and the expiry.
function parseExpiry (text) {
  if (text === undefined) return undefined
  const expires = Number(isTombstone(text) ? tombstoneParts(text).expiry : text)
  return Number.isFinite(expires) ? expires : 0
}

// A tombstone's expiry text, and the id its session's data was moved to (or undefined).
function tombstoneParts (text) {
  const space = text.indexOf(' ')
  return space === -1 ? { expiry: text.slice(1) } : { expiry: text.slice(1, space), movedTo: text.slice(space + 1) }
}

function isTombstone (text) {
  return typeof text === 'string' && text.charCodeAt(0) === 82 // 'R'
}

// Whether the meta record is a tombstone that has not expired: the session was destroyed, and
// writes still in flight for it are dropped.
function revokedAt (meta, now) {
  return isTombstone(meta) && parseExpiry(meta) > now
}

// --- one session's operations, on a database adapter; each runs alone in its session's queue ---

async function readValue (db, id, key, expire) {
  const now = Date.now()
  const [meta, json] = await Promise.all([db.get(metaKey(id)), db.get(dataKey(id, key))])
  if (revokedAt(meta, now)) return undefined
  const expires = await liveExpiry(db, id, meta, now)
  if (expires === undefined) return undefined
  await touch(db, id, expires, expire, now)
  return json === undefined ? undefined : JSON.parse(json)
}

async function readAll (db, id, expire) {
  const now = Date.now()
  const [meta, records] = await Promise.all([db.get(metaKey(id)), db.range(dataPrefix(id), dataEnd(id))])
  const all = {}
  if (revokedAt(meta, now)) return all
  const expires = await liveExpiry(db, id, meta, now)
  if (expires === undefined) return all
  const skip = dataPrefix(id).length
  for (const [record, json] of records) {
    // defineProperty: a key named __proto__ is data, as JSON.parse makes it.
    Object.defineProperty(all, userText(record.slice(skip)), { value: JSON.parse(json), enumerable: true, writable: true, configurable: true })
  }
  await touch(db, id, expires, expire, now)
  return all
}

// Stores the JSON text `json` under `key`; writing to an expired session starts it empty, and a
// write to a revoked one is dropped.
async function writeValue (db, id, key, json, expire) {
  const now = Date.now()
  const meta = await db.get(metaKey(id))
  if (revokedAt(meta, now)) return
  let expires = parseExpiry(meta)
  const operations = []
  const lapsed = expires !== undefined && expires <= now
  if (lapsed) {
    operations.push(...removalOperations(id, await sessionRecords(db, id), expires))
    expires = undefined
  }
  operations.push({ type: 'put', key: dataKey(id, key), value: json }, ...touchOperations(id, expires, expire, now))
  await db.batch(operations)
  if (lapsed) reportExpired(id, meta)
}

async function removeValue (db, id, key, expire) {
  const now = Date.now()
  const meta = await db.get(metaKey(id))
  if (revokedAt(meta, now)) return
  const expires = await liveExpiry(db, id, meta, now)
  if (expires === undefined) return
  await db.batch([{ type: 'del', key: dataKey(id, key) }, ...touchOperations(id, expires, expire, now)])
}

async function removeAll (db, id) {
  const [meta, records] = await Promise.all([db.get(metaKey(id)), sessionRecords(db, id)])
  const operations = removalOperations(id, records, parseExpiry(meta))
  if (operations.length > 0) await db.batch(operations)
}

// Removes the session and leaves a tombstone until it would have expired (TOMBSTONE_MS if it had
// no expiry left), as the native store does: a destroyed session stays destroyed. A live tombstone
// is kept as it is. Resolves to the id the tombstone says the data was moved to, if any: the
// caller revokes that one too.
async function revokeSession (db, id) {
  const now = Date.now()
  const [meta, records] = await Promise.all([db.get(metaKey(id)), sessionRecords(db, id)])
  if (revokedAt(meta, now)) return tombstoneParts(meta).movedTo
  const expires = parseExpiry(meta)
  const until = expires !== undefined && expires > now ? expires : now + TOMBSTONE_MS
  const operations = removalOperations(id, records, expires)
  operations.push({ type: 'put', key: metaKey(id), value: 'R' + until }, { type: 'put', key: indexKey(until, id), value: '' })
  await db.batch(operations)
  return undefined
}

// regenerate()'s step, in one batch: the session's records go to `toId` (a new id) with a fresh
// expiry, and `id` becomes a tombstone naming `toId`, kept until the session would have expired.
// A revoked or absent session moves nothing. Runs in both sessions' queues.
async function moveSession (db, id, toId, expire) {
  const now = Date.now()
  const [meta, records] = await Promise.all([db.get(metaKey(id)), db.range(dataPrefix(id), dataEnd(id))])
  if (revokedAt(meta, now)) return
  const expires = await liveExpiry(db, id, meta, now)
  if (expires === undefined) return
  const [targetMeta, targetRecords] = await Promise.all([db.get(metaKey(toId)), sessionRecords(db, toId)])
  // Whatever was under the new id goes: it is new by contract.
  const operations = removalOperations(toId, targetRecords, parseExpiry(targetMeta))
  const skip = dataPrefix(id).length
  for (const [record, json] of records) {
    operations.push({ type: 'del', key: record }, { type: 'put', key: dataKey(toId, record.slice(skip)), value: json })
  }
  const wanted = Math.min(now + expire, MAX_EXPIRY)
  operations.push({ type: 'put', key: metaKey(toId), value: String(wanted) }, { type: 'put', key: indexKey(wanted, toId), value: '' })
  // The tombstone keeps the session's expiry, so its index record stays.
  operations.push({ type: 'put', key: metaKey(id), value: `R${expires} ${toId}` })
  await db.batch(dedupe(operations))
}

// A batch naming a key twice (a del, then a put of the same key) keeps the last of them.
function dedupe (operations) {
  const last = new Map()
  for (const operation of operations) last.set(operation.key, operation)
  return [...last.values()]
}

async function extendSession (db, id, expire) {
  const now = Date.now()
  const meta = await db.get(metaKey(id))
  if (revokedAt(meta, now)) return
  const expires = await liveExpiry(db, id, meta, now)
  if (expires !== undefined) await touch(db, id, expires, expire, now)
}

// Removes the session behind an index record the sweeper found expired at `indexed`, unless it
// was touched since (then only that stale index record goes).
async function sweepSession (db, id, indexed) {
  const now = Date.now()
  const meta = await db.get(metaKey(id))
  const expires = parseExpiry(meta)
  if (expires !== undefined && expires > now) {
    if (expires !== indexed) await db.del(indexKey(indexed, id))
    return
  }
  await db.batch(removalOperations(id, await sessionRecords(db, id), expires, indexed))
  reportExpired(id, meta)
}

// The session's expiry (from its meta record) if it is live at `now`; an expired session is
// removed first, so nothing of it can be read or extended.
async function liveExpiry (db, id, meta, now) {
  const expires = parseExpiry(meta)
  if (expires === undefined) return undefined
  if (expires > now) return expires
  await db.batch(removalOperations(id, await sessionRecords(db, id), expires))
  reportExpired(id, meta)
  return undefined
}

// A session removed past its expiry, for events and metrics: a live session's meta record, not a
// tombstone's running out nor a leftover index record's (no meta).
function reportExpired (id, meta) {
  if (meta !== undefined && !isTombstone(meta)) sessionExpired(userText(id), 'LevelStore')
}

async function touch (db, id, expires, expire, now) {
  const operations = touchOperations(id, expires, expire, now)
  if (operations.length > 0) await db.batch(operations)
}

// The expiry rewrite, when the stored expiry lags by more than the slack (or there is none yet).
function touchOperations (id, expires, expire, now) {
  const wanted = Math.min(now + expire, MAX_EXPIRY)
  const operations = []
  if (expires !== undefined) {
    if (Math.abs(wanted - expires) <= Math.floor(expire / EXPIRY_SLACK_DIVISOR)) return operations
    operations.push({ type: 'del', key: indexKey(expires, id) })
  }
  operations.push({ type: 'put', key: metaKey(id), value: String(wanted) }, { type: 'put', key: indexKey(wanted, id), value: '' })
  return operations
}

// Deletes of every record of the session: its data, its expiry, its index record(s).
function removalOperations (id, records, expires, staleIndex) {
  const operations = records.map(([record]) => ({ type: 'del', key: record }))
  operations.push({ type: 'del', key: metaKey(id) })
  if (expires !== undefined) operations.push({ type: 'del', key: indexKey(expires, id) })
  if (staleIndex !== undefined && staleIndex !== expires) operations.push({ type: 'del', key: indexKey(staleIndex, id) })
  return operations
}

// The session's data records ([record key, undefined]), without their values.
function sessionRecords (db, id) {
  return db.range(dataPrefix(id), dataEnd(id), { values: false })
}

// Deletes up to `limit` sessions that expired by `now`, reading only the expiry index. Resolves
// to how many index records it read.
async function sweepExpired (db, queues, now, limit) {
  const records = await db.range(INDEX, indexKey(now + 1, ''), { limit, values: false })
  const removals = []
  for (const [record] of records) {
    const entry = parseIndex(record)
    if (entry !== undefined) removals.push(queues.run(entry.id, () => sweepSession(db, entry.id, entry.expires)))
  }
  await Promise.allSettled(removals)
  return records.length
}

// --- the whole store: its ids, and clear ---

// Records of the store-wide calls are read this many at a time.
const PAGE = 1000

// Ends of the key ranges: each prefix with its last character raised by one.
const DATA_END = PREFIX + 'e'
const META_END = PREFIX + 'n'
const PREFIX_END = '!session"'

// The ids (as stored) of the live sessions at `now`: a meta record that is no tombstone and has
// not expired (swept or not), and at least one data record; never an internal record (an id that
// starts with NUL: a user's index). Two scans, the data records' keys then the meta records: a
// session that is live from before the call to after it is in both.
async function liveIds (db, now) {
  const holding = new Set()
  await eachPage(db, DATA, DATA_END, false, (records) => {
    for (const [record] of records) holding.add(idOfData(record))
  })
  const ids = []
  await eachPage(db, META, META_END, true, (records) => {
    for (const [record, meta] of records) {
      const id = record.slice(META.length)
      if (!isTombstone(meta) && parseExpiry(meta) > now && id.charCodeAt(0) !== 0 && holding.has(id)) ids.push(id)
    }
  })
  return ids
}

// The session id of a data record: d + length (8 hex digits) + id + NUL + key.
function idOfData (record) {
  const start = DATA.length + 8
  return record.slice(start, start + parseInt(record.slice(DATA.length, start), 16))
}

// Deletes every record under the store's prefix: sessions, tombstones, the expiry index, the
// users' indexes. The application's own keys are outside it.
async function removeEverything (db) {
  await eachPage(db, PREFIX, PREFIX_END, false, (records) => db.batch(records.map(([record]) => ({ type: 'del', key: record }))))
}

// Calls `page(records)` (and waits for it) with each PAGE of [key, value] records in [gte, lt).
async function eachPage (db, gte, lt, values, page) {
  for (let from = gte; ;) {
    const records = await db.range(from, lt, { limit: PAGE, values })
    if (records.length === 0) return
    await page(records)
    if (records.length < PAGE) return
    from = records[records.length - 1][0] + '\u0000'
  }
}

// --- the queues (../../session-queues.js) ---

const queuesByDb = new WeakMap()

function queuesFor (db) {
  let queues = queuesByDb.get(db)
  if (queues === undefined) {
    queues = new SessionQueues()
    queuesByDb.set(db, queues)
  }
  return queues
}

// --- the store ---

// new AppDbStore({ db, sync, sweepInterval }), options already checked by LevelStore except db,
// which throws a TypeError naming options.db when it is not a database. ./index.js makes
// this a LevelStore (its prototype inherits LevelStore.prototype, and with it kKeepsContract: every
// callback here is called exactly once, never synchronously).
class AppDbStore {
  #db
  #queues
  #sweepInterval
  #sweepTimer = null
  #closed = false
  #issued = 0 // tickets handed out
  #delivered = 0 // the ticket whose callback is due next
  #done = Object.create(null) // ticket -> [callback, err, value], waiting for earlier tickets (not a Map: see ../../session-queues.js)
  #busy = 0 // operations not yet called back, and a running sweep
  #idleWaiters = []
  // While a clear() waits for the operations called before it, and runs: operations called after
  // it start once it has ended (in call order, as every operation here).
  #gate = null

  constructor ({ db, sync, sweepInterval }) {
    this.#db = levelDbAdapter(db, { sync })
    this.#queues = queuesFor(db)
    this.#sweepInterval = sweepInterval
    // The application's database, which this store shares and never closes.
    Object.defineProperty(this, 'db', { value: db, enumerable: true })
    this.#scheduleSweep(sweepInterval)
  }

  get (id, key, expire, callback) {
    const texts = callTexts(callback, id, key, 'key')
    if (texts === null) return
    const [idText, keyText] = texts
    this.#submit(callback, idText, () => readValue(this.#db, idText, keyText, expireMs(expire)))
  }

  getAll (id, expire, callback) {
    const texts = callTexts(callback, id)
    if (texts === null) return
    const [idText] = texts
    this.#submit(callback, idText, () => readAll(this.#db, idText, expireMs(expire)))
  }

  set (id, key, value, expire, callback = noop) {
    setAsJson(this, id, key, value, expire, callback, (json) => {
      const texts = callTexts(callback, id, key, 'key')
      if (texts === null) return
      const [idText, keyText] = texts
      this.#submit(callback, idText, () => writeValue(this.#db, idText, keyText, json, expireMs(expire)))
    })
  }

  del (id, key, expire, callback = noop) {
    const texts = callTexts(callback, id, key, 'key')
    if (texts === null) return
    const [idText, keyText] = texts
    this.#submit(callback, idText, () => removeValue(this.#db, idText, keyText, expireMs(expire)))
  }

  delAll (id, callback = noop) {
    const texts = callTexts(callback, id)
    if (texts === null) return
    const [idText] = texts
    this.#submit(callback, idText, () => removeAll(this.#db, idText))
  }

  // delAll, leaving a tombstone: a write still in flight cannot bring the session back; down
  // the moves its tombstones name (a destroy() that came after a regenerate()).
  revoke (id, callback = noop) {
    const texts = callTexts(callback, id)
    if (texts === null) return
    const [idText] = texts
    this.#submit(callback, idText, () => this.#revokeMoved(idText, MAX_MOVES_FOLLOWED))
  }

  // Moves the session's data to `toId` and revokes `id`, in one batch (regenerate). The move
  // holds both sessions' queues.
  move (id, toId, expire, callback = noop) {
    const texts = callTexts(callback, id, toId, 'id')
    if (texts === null) return
    const [idText, toText] = texts
    this.#submit(callback, idText, () => {
      if (idText === toText) return undefined
      return this.#queues.run(toText, () => moveSession(this.#db, idText, toText, expireMs(expire)))
    })
  }

  async #revokeMoved (id, left) {
    const movedTo = await revokeSession(this.#db, id)
    if (movedTo !== undefined && left > 0) await this.#queues.run(movedTo, () => this.#revokeMoved(movedTo, left - 1))
  }

  extend (id, expire, callback = noop) {
    const texts = callTexts(callback, id)
    if (texts === null) return
    const [idText] = texts
    this.#submit(callback, idText, () => extendSession(this.#db, idText, expireMs(expire)))
  }

  // The store-wide calls: the ids of every live session (holding a key, not revoked, not expired;
  // never a user's index), how many, and removing everything the store holds. Each reads its
  // records PAGE at a time; a callback, or without one a Promise.
  ids (callback) {
    return callbackOrPromise(callback, (done) => {
      this.#issue(done, async () => (await this.#liveIds()).map(userText))
    })
  }

  length (callback) {
    return callbackOrPromise(callback, (done) => {
      this.#issue(done, async () => (await this.#liveIds()).length)
    })
  }

  // Once the operations called before have been applied, so that their writes are listed.
  async #liveIds () {
    await this.#queues.settled()
    return liveIds(this.#db, Date.now())
  }

  // Runs once every operation called before it has been applied (on this store object; other
  // stores on the same db are not held), and before any called after it starts.
  clear (callback) {
    return callbackOrPromise(callback, (done) => {
      if (this.#closed) return process.nextTick(done, closedError('LevelStore'))
      // After an earlier clear, the operations it held back have entered their queues by then
      // (they wait on the same promise, and were first to).
      const gate = Promise.resolve(this.#gate).then(() => this.#queues.settled()).then(() => removeEverything(this.#db))
      this.#gate = gate.then(noop, noop)
      const open = this.#gate
      open.then(() => {
        if (this.#gate === open) this.#gate = null
      })
      this.#issue(done, () => gate, true)
    })
  }

  // Stops the sweeper, waits until every operation issued before has called back, and calls back.
  // The database stays open: it is the application's to close. Operations after close call back
  // with an error; a second close calls back at once.
  close (callback = noop) {
    if (this.#closed) return process.nextTick(callback, null)
    this.#closed = true
    clearTimeout(this.#sweepTimer)
    if (this.#busy === 0) return process.nextTick(callback, null)
    this.#idleWaiters.push(callback)
  }

  #submit (callback, id, task) {
    this.#issue(callback, () => this.#queues.run(id, task))
  }

  // One call: `start()` runs it (behind a clear called before it, if any; `ungated`: it is that
  // clear), and its callback comes in call order.
  #issue (callback, start, ungated = false) {
    if (this.#closed) return process.nextTick(callback, closedError('LevelStore'))
    const ticket = this.#issued++
    this.#busy++
    const gate = ungated ? null : this.#gate
    const started = gate === null ? start() : gate.then(start)
    started.then(
      (value) => this.#complete(ticket, callback, null, value),
      (err) => this.#complete(ticket, callback, asError(err))
    )
  }

  // Calls back every finished operation whose earlier ones have all been called back.
  #complete (ticket, callback, err, value) {
    const done = this.#done
    done[ticket] = [callback, err, value]
    while (this.#delivered in done) {
      const [due, dueErr, dueValue] = done[this.#delivered]
      delete done[this.#delivered]
      this.#delivered++
      this.#busy--
      callSafely(due, dueErr, dueValue)
    }
    this.#settle()
  }

  #settle () {
    if (this.#busy > 0 || this.#idleWaiters.length === 0) return
    for (const callback of this.#idleWaiters.splice(0)) callSafely(callback, null)
  }

  // The sweeper's timer does not keep the process alive.
  #scheduleSweep (ms) {
    if (this.#closed) return
    this.#sweepTimer = setTimeout(() => this.#sweep(), Math.min(ms, MAX_TIMER_MS))
    this.#sweepTimer.unref()
  }

  // A failed sweep (the database closed by the application, say) is tried again next interval.
  #sweep () {
    this.#busy++
    sweepExpired(this.#db, this.#queues, Date.now(), SWEEP_BATCH)
      .then((read) => (read >= SWEEP_BATCH ? 0 : this.#sweepInterval), () => this.#sweepInterval)
      .then((next) => {
        this.#busy--
        this.#settle()
        this.#scheduleSweep(next)
      })
  }
}

// A callback that throws is the application's bug: it surfaces as an uncaught exception, as it
// would from the native store, not as a rejection of this store's internal Promise.
function callSafely (callback, err, value) {
  try {
    callback(err, value)
  } catch (thrown) {
    process.nextTick(() => { throw thrown })
  }
}

function asError (err) {
  return err instanceof Error ? err : new Error(`LevelStore: ${String(err)}`)
}

// listSessions and revokeSessions (sessions of a user, over this store's Store API).
Object.assign(AppDbStore.prototype, userIndexMethods)

module.exports = AppDbStore
