'use strict'

// Store-level benchmark: the Store API called directly (no HTTP), each of this package's stores
// against the original it replaces, or its nearest peer: MemoryStore against generic-session
// 0.1.2's (lru-cache 4), LevelStore against level-session 0.3.4's (level 6), RedisStore against
// connect-redis 9's store (node-redis 5 client) on the same redis-server. 1000 sessions of 4 or 50
// keys; set, get and getAll, with 1 operation in flight (each waits for the last) and with 100.
//
// connect-redis keeps a whole session per id, so it does what express-session does for the same
// request: `set` changes one key of the session object in memory and stores the whole session
// (`store.set(sid, session)`); `get` and `getAll` both load the whole session (`store.get(sid)`).

const SESSIONS = 1000
const EXPIRE_MS = 1209600 * 1000
const FILL_IN_FLIGHT = 1000

const fs = require('fs')
const os = require('os')
const path = require('path')
const { startRedis, SKIPPED } = require('./redis-server')

// Pairs compared: this package's store against the original it replaces (or its peer). `related`
// names the HTTP contenders that select the pair under BENCH_ONLY.
const pairs = [
  {
    name: 'MemoryStore',
    related: ['generic-session (native)', 'generic-session 0.1.2'],
    keyCounts: [4, 50],
    native: () => require('..').MemoryStore(),
    original: () => require('generic-session-original').MemoryStore()
  },
  {
    // The original takes seconds to fill 50-key sessions, so LevelStore runs on 4-key ones.
    name: 'LevelStore',
    related: ['generic-session LevelStore', 'level-session 0.3.4'],
    keyCounts: [4],
    native: () => require('..').LevelStore(tempDir()),
    original: () => require('level-session').LevelStore(tempDir())
  },
  {
    name: 'RedisStore',
    peer: 'connect-redis',
    related: ['generic-session RedisStore', 'express-session + connect-redis'],
    needsRedis: true,
    keyCounts: [4, 50],
    native: (redis) => require('..').RedisStore({ url: redis.url, prefix: uniquePrefix('gs') }),
    original: (redis) => connectRedisStore(redis.url, uniquePrefix('cr'))
  }
]

let prefixes = 0
function uniquePrefix (name) {
  return `${name}-bench:${process.pid}:${++prefixes}:`
}

// connect-redis's store behind the Store API calls this benchmark makes (see the top).
async function connectRedisStore (url, prefix) {
  const { RedisStore } = require('connect-redis')
  const { createClient } = require('redis')
  const client = createClient({ url })
  client.on('error', (err) => console.error('connect-redis client:', err))
  await client.connect()
  const store = new RedisStore({ client, prefix })
  const sessions = new Map()
  return {
    set (id, key, value, expireMs, cb) {
      let session = sessions.get(id)
      if (!session) {
        // What express-session stores with cookie.maxAge = expireMs.
        session = { cookie: { originalMaxAge: expireMs, expires: new Date(Date.now() + expireMs), httpOnly: true, path: '/' } }
        sessions.set(id, session)
      }
      session[key] = value
      store.set(id, session, cb)
    },
    get (id, key, expireMs, cb) {
      store.get(id, (err, session) => cb(err, session ? session[key] : undefined))
    },
    getAll (id, expireMs, cb) {
      store.get(id, cb)
    },
    close (cb) {
      client.close().then(() => cb(), cb)
    }
  }
}

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

// Every key of every session, FILL_IN_FLIGHT at a time (RedisStore bounds what may wait), key by
// key so that operations in flight are on different sessions.
function fill (store, keysPerSession) {
  return new Promise((resolve, reject) => {
    const count = SESSIONS * keysPerSession
    let issued = 0
    let completed = 0
    const next = (err) => {
      if (err) return reject(err)
      if (++completed === count) return resolve()
      if (issued < count) set(issued++)
    }
    const set = (i) => {
      const s = i % SESSIONS
      const k = Math.floor(i / SESSIONS)
      store.set('session:' + s, 'key' + k, { n: k, label: 'value ' + k }, EXPIRE_MS, next)
    }
    while (issued < Math.min(FILL_IN_FLIGHT, count)) set(issued++)
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

function parseOnly (value = process.env.BENCH_ONLY) {
  return value ? value.split(',').map((o) => o.trim()).filter(Boolean) : undefined
}

// `only` (BENCH_ONLY) selects the pairs whose name, or one of whose related HTTP contenders,
// contains one of its parts. `redis` is a started redis-server (bench/redis-server.js); without
// one the RedisStore rows are skipped.
async function runStore ({ seconds = 1, only = parseOnly(), redis } = {}) {
  let selected = pairs.filter((pair) => !only || only.some((o) => pair.name.includes(o) || pair.related.some((name) => name.includes(o))))
  if (!redis && selected.some((pair) => pair.needsRedis)) {
    console.log(SKIPPED)
    console.error(SKIPPED)
    selected = selected.filter((pair) => !pair.needsRedis)
  }
  const rows = []
  try {
    for (const pair of selected) {
      for (const keysPerSession of pair.keyCounts) {
        for (const inFlight of [1, 100]) {
          for (const op of Object.keys(operations)) {
            const row = { store: pair.name, peer: pair.peer, keys: keysPerSession, inFlight, op }
            for (const side of ['native', 'original']) {
              if (pair.needsRedis) await redis.flushAll()
              const store = await pair[side](redis)
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
  (async () => {
    const redis = await startRedis()
    try {
      const rows = await runStore({ seconds: Number(process.env.BENCH_SECONDS || 1), redis })
      console.table(rows.map((row) => ({ ...row, ratio: row.ratio.toFixed(1) + '×' })))
    } finally {
      if (redis) await redis.stop()
    }
  })().catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
}
