'use strict'

// Store-level benchmark: the Store API called directly (no HTTP), each of this package's stores
// against the original it replaces: MemoryStore against generic-session 0.1.2's (lru-cache 4),
// LevelStore against level-session 0.3.4's (level 6). 1000 sessions of 4 or 50 keys; set, get
// and getAll, with 1 operation in flight (each waits for the last) and with 100.

const SESSIONS = 1000
const EXPIRE_MS = 1209600 * 1000

const fs = require('fs')
const os = require('os')
const path = require('path')

// Pairs compared: this package's store against the original it replaces.
const pairs = [
  {
    name: 'MemoryStore',
    keyCounts: [4, 50],
    native: () => require('..').MemoryStore(),
    original: () => require('generic-session-original').MemoryStore()
  },
  {
    // The original takes seconds to fill 50-key sessions, so LevelStore runs on 4-key ones.
    name: 'LevelStore',
    keyCounts: [4],
    native: () => require('..').LevelStore(tempDir()),
    original: () => require('level-session').LevelStore(tempDir())
  }
]

const dirs = []
function tempDir () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-bench-'))
  dirs.push(dir)
  return dir
}

function closeStore (store) {
  return new Promise((resolve) => (store.close ? store.close(() => resolve()) : resolve()))
}

const operations = {
  set: (store, id, key, i, cb) => store.set(id, key, { n: i, label: 'value ' + i }, EXPIRE_MS, cb),
  get: (store, id, key, i, cb) => store.get(id, key, EXPIRE_MS, cb),
  getAll: (store, id, key, i, cb) => store.getAll(id, EXPIRE_MS, cb)
}

function fill (store, keysPerSession) {
  return new Promise((resolve) => {
    let pending = SESSIONS * keysPerSession
    for (let s = 0; s < SESSIONS; s++) {
      for (let k = 0; k < keysPerSession; k++) {
        store.set('session:' + s, 'key' + k, { n: k, label: 'value ' + k }, EXPIRE_MS, () => --pending || resolve())
      }
    }
  })
}

// ops/s of `operation` over `seconds`, keeping `inFlight` operations outstanding.
function run (store, operation, keysPerSession, inFlight, seconds) {
  return new Promise((resolve) => {
    const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9))
    const started = process.hrtime.bigint()
    let issued = 0
    let completed = 0
    let active = inFlight
    const next = (err) => {
      if (err) throw err
      completed++
      // Check the clock every 256 operations: reading it costs as much as a store operation.
      if ((completed & 255) === 0 && process.hrtime.bigint() > deadline) {
        if (--active === 0) resolve(completed / (Number(process.hrtime.bigint() - started) / 1e9))
        return
      }
      const i = issued++
      operation(store, 'session:' + (i % SESSIONS), 'key' + (i % keysPerSession), i, next)
    }
    for (let c = 0; c < inFlight; c++) {
      const i = issued++
      operation(store, 'session:' + (i % SESSIONS), 'key' + (i % keysPerSession), i, next)
    }
  })
}

async function runStore ({ seconds = 1 } = {}) {
  const rows = []
  try {
    for (const pair of pairs) {
      for (const keysPerSession of pair.keyCounts) {
        for (const inFlight of [1, 100]) {
          for (const op of Object.keys(operations)) {
            const row = { store: pair.name, keys: keysPerSession, inFlight, op }
            for (const side of ['native', 'original']) {
              const store = pair[side]()
              await fill(store, keysPerSession)
              await run(store, operations[op], keysPerSession, inFlight, 0.2) // warm-up
              row[side] = Math.round(await run(store, operations[op], keysPerSession, inFlight, seconds))
              await closeStore(store)
            }
            row.ratio = row.native / row.original
            rows.push(row)
          }
        }
      }
    }
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
  }
  return rows
}

module.exports = { runStore }

if (require.main === module) {
  runStore({ seconds: Number(process.env.BENCH_SECONDS || 1) })
    .then((rows) => console.table(rows.map((row) => ({ ...row, ratio: row.ratio.toFixed(1) + '×' }))))
}
