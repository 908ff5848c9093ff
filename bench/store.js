'use strict'

// Store-level benchmark: the Store API called directly (no HTTP), this package's MemoryStore
// against the original's (lru-cache 4). 1000 sessions of 4 or 50 keys; set, get and getAll, with
// 1 operation in flight (each waits for the last) and with 100.

const SESSIONS = 1000
const EXPIRE_MS = 1209600 * 1000

const stores = {
  'generic-session (native)': () => require('..').MemoryStore(),
  'generic-session 0.1.2': () => require('generic-session-original').MemoryStore()
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
  for (const keysPerSession of [4, 50]) {
    for (const inFlight of [1, 100]) {
      for (const op of Object.keys(operations)) {
        const row = { keys: keysPerSession, inFlight, op }
        for (const [name, make] of Object.entries(stores)) {
          const store = make()
          await fill(store, keysPerSession)
          await run(store, operations[op], keysPerSession, inFlight, 0.2) // warm-up
          row[name] = Math.round(await run(store, operations[op], keysPerSession, inFlight, seconds))
        }
        row.ratio = row['generic-session (native)'] / row['generic-session 0.1.2']
        rows.push(row)
      }
    }
  }
  return rows
}

module.exports = { runStore }

if (require.main === module) {
  runStore({ seconds: Number(process.env.BENCH_SECONDS || 1) })
    .then((rows) => console.table(rows.map((row) => ({ ...row, ratio: row.ratio.toFixed(1) + '×' }))))
}
