'use strict'

// The application databases LevelStore({ db }) is tested on, and reading them as the application
// would: level@6 (levelup over leveldown, callback API), classic-level@3 and memory-level@3
// (abstract-level 3, Promise API). Each `open(dir, options)` returns a database still opening.

const level = require('level')
const { ClassicLevel } = require('classic-level')
const { MemoryLevel } = require('memory-level')

const BACKENDS = [
  { name: 'level@6 (levelup, callbacks)', persistent: true, abstract: false, open: (dir, options) => level(dir, options) },
  { name: 'classic-level@3', persistent: true, abstract: true, open: (dir, options) => new ClassicLevel(dir, options) },
  { name: 'memory-level@3', persistent: false, abstract: true, open: (dir, options) => new MemoryLevel(options) }
]

const TEXT = { keyEncoding: 'utf8', valueEncoding: 'utf8' }

function isOpen (db) {
  return typeof db.isOpen === 'function' ? db.isOpen() : db.status === 'open'
}

function isOpening (db) {
  return typeof db._isOpening === 'function' ? db._isOpening() : db.status === 'opening'
}

// Every [key, value] of the database as utf8 text, optionally within { gte, lt }.
function entries (db, range = {}) {
  const options = { ...TEXT, ...range }
  if (typeof db.status === 'string') return db.iterator(options).all()
  return new Promise((resolve, reject) => {
    const out = []
    db.createReadStream(options)
      .on('data', ({ key, value }) => out.push([key, value]))
      .on('error', reject)
      .on('end', () => resolve(out))
  })
}

// The records under the store's namespace, as a Map of key (prefix removed) -> value.
async function sessionRecords (db) {
  const found = await entries(db, { gte: '!session!', lt: '!session"' })
  return new Map(found.map(([key, value]) => [key.slice('!session!'.length), value]))
}

// A database's value under `key` read as utf8 text, or undefined.
async function rawGet (db, key) {
  try {
    const value = await db.get(key, { ...TEXT })
    return value === null ? undefined : value
  } catch (err) {
    if (err.notFound || err.code === 'LEVEL_NOT_FOUND') return undefined
    throw err
  }
}

// Closing a closed database is fine for both APIs.
async function closeDb (db) {
  if (db) await db.close()
}

module.exports = { BACKENDS, MemoryLevel, isOpen, isOpening, entries, sessionRecords, rawGet, closeDb }
