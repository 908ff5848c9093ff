'use strict'

// The few operations LevelStore({ db }) needs of an application's database, as Promises, whatever
// the database's API: abstract-level (classic-level, memory-level, level@8: methods return
// Promises, and from abstract-level 2 on they take no callbacks) or levelup (level@6 and before:
// callbacks). Every key and value goes through the `utf8` encoding, named on each operation, so
// the database's own default encodings (json, say) do not apply to them.
//
// Failures, thrown or called back, become rejections; a missing key is `undefined`, not an error.
// Each call gets options objects of its own: encoding-down (levelup) writes into them.

const TEXT = Object.freeze({ keyEncoding: 'utf8', valueEncoding: 'utf8' })
// What makes an object a database here: the methods the store calls, and put, which every
// levelup and abstract-level database has (the store itself writes with batch).
const METHODS = ['get', 'put', 'del', 'batch', 'iterator']

// The adapter for `db`, whose writes carry `{ sync }`. Throws a TypeError naming options.db when
// `db` is not a database.
function levelDbAdapter (db, { sync = false } = {}) {
  checkDb(db)
  const writeOptions = Object.freeze({ ...TEXT, sync }) // copied for each call
  return isAbstractLevel(db) ? new PromiseAdapter(db, writeOptions) : new CallbackAdapter(db, writeOptions)
}

function checkDb (db) {
  const missing = db !== null && typeof db === 'object'
    ? METHODS.filter((name) => typeof db[name] !== 'function')
    : METHODS
  if (missing.length > 0) {
    throw new TypeError(`LevelStore options.db must be a levelup or abstract-level database object (with get, put, del, batch and iterator methods); ${describe(db)} lacks ${missing.join(', ')}`)
  }
}

function describe (db) {
  if (db === null) return 'null'
  if (typeof db !== 'object') return `a ${typeof db}`
  return 'the object given'
}

// abstract-level databases (and their sublevels) report their status as a string and make
// sublevels; levelup objects do neither (their status is on the store they wrap).
function isAbstractLevel (db) {
  return typeof db.status === 'string' && typeof db.sublevel === 'function'
}

// abstract-level 1 rejects a missing key with LEVEL_NOT_FOUND, levelup with a NotFoundError;
// abstract-level 2 and later resolve to undefined.
function isNotFound (err) {
  return err != null && (err.notFound === true || err.code === 'LEVEL_NOT_FOUND' || err.type === 'NotFoundError')
}

// A database without an encodings layer (a bare abstract-leveldown store) may hand back bytes.
function text (data) {
  if (data == null || typeof data === 'string') return data
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')
  return String(data)
}

function notOpenError () {
  return Object.assign(new Error('Database is not open'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
}

class PromiseAdapter {
  constructor (db, writeOptions) {
    this.db = db
    this.writeOptions = writeOptions
  }

  async get (key) {
    try {
      return text(await this.db.get(key, { ...TEXT }))
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  async del (key) {
    await this.db.del(key, { ...this.writeOptions })
  }

  async batch (operations) {
    await this.db.batch(operations, { ...this.writeOptions })
  }

  // [key, value] of every record in [gte, lt), in key order; at most `limit` of them (-1: all).
  // Without values, each value is undefined.
  async range (gte, lt, { limit = -1, values = true } = {}) {
    const iterator = this.db.iterator({ ...TEXT, gte, lt, limit, values })
    // all() closes the iterator, also when it fails.
    const entries = await iterator.all()
    return entries.map(([key, value]) => [text(key), text(value)])
  }
}

class CallbackAdapter {
  constructor (db, writeOptions) {
    this.db = db
    this.writeOptions = writeOptions
  }

  get (key) {
    return new Promise((resolve, reject) => {
      this.db.get(key, { ...TEXT }, (err, value) => {
        if (err) return isNotFound(err) ? resolve(undefined) : reject(err)
        resolve(text(value))
      })
    })
  }

  del (key) {
    return new Promise((resolve, reject) => {
      this.db.del(key, { ...this.writeOptions }, (err) => (err ? reject(err) : resolve()))
    })
  }

  batch (operations) {
    return new Promise((resolve, reject) => {
      this.db.batch(operations, { ...this.writeOptions }, (err) => (err ? reject(err) : resolve()))
    })
  }

  range (gte, lt, { limit = -1, values = true } = {}) {
    return new Promise((resolve, reject) => {
      // levelup's get, put, del and batch fail on a closed database, but an iterator would wait
      // for it to open again (deferred-leveldown), forever if it never does.
      if (typeof this.db.isClosed === 'function' && this.db.isClosed()) return reject(notOpenError())
      const iterator = this.db.iterator({ ...TEXT, gte, lt, limit, values })
      const entries = []
      const finish = (err) => iterator.end((endErr) => {
        if (err || endErr) return reject(err || endErr)
        resolve(entries)
      })
      // Each next() calls back asynchronously (leveldown and deferred-leveldown defer even
      // cached entries), so this loop does not grow the stack.
      const next = () => iterator.next((err, key, value) => {
        if (err) return finish(err)
        if (key === undefined) return finish(null) // the end
        entries.push([text(key), values ? text(value) : undefined])
        next()
      })
      next()
    })
  }
}

module.exports = { levelDbAdapter }
