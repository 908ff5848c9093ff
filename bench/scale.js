'use strict'

// LevelStore at scale: `node bench/scale.js [sessions]` (default 1,000,000).
//
// 1. Writes that many sessions (one small object each, 100 in flight) and reports the rate.
// 2. Measures a get-then-set mix on random sessions (100 in flight) with the full database, and
//    the same on a database of 1,000 sessions: the ratio is what size costs.
// 3. Lets every session expire and reports the directory's size at its peak and after the
//    background sweep (and its compaction) has removed them.

const fs = require('fs')
const os = require('os')
const path = require('path')
const LevelStore = require('..').LevelStore

const SESSIONS = Number(process.argv[2] || 1e6)
const IN_FLIGHT = 100
const EXPIRE_MS = 90 * 1000

function dirSize (dir) {
  return fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0)
}

// Runs `op(i, done)` for i in [0, count) keeping IN_FLIGHT outstanding; resolves to ops/s.
function drive (count, op) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    let issued = 0
    let completed = 0
    const next = (err) => {
      if (err) return reject(err)
      if (++completed === count) return resolve(count / (Number(process.hrtime.bigint() - started) / 1e9))
      if (issued < count) op(issued++, next)
    }
    for (let c = 0; c < Math.min(IN_FLIGHT, count); c++) op(issued++, next)
  })
}

const value = (i) => ({ user: i, name: 'user ' + i, roles: ['reader'] })

function fill (store, count) {
  return drive(count, (i, done) => store.set('session:' + i, 'profile', value(i), EXPIRE_MS, done))
}

// get then set on random sessions among `count`, for about `seconds`.
async function mix (store, count, seconds) {
  const ops = Math.round(20000 * seconds)
  return 2 * await drive(ops, (i, done) => {
    const id = 'session:' + Math.floor(Math.random() * count)
    store.get(id, 'profile', EXPIRE_MS, (err) => {
      if (err) return done(err)
      store.set(id, 'seen', i, EXPIRE_MS, done)
    })
  })
}

const close = (store) => new Promise((resolve, reject) => store.close((err) => (err ? reject(err) : resolve())))
const { setTimeout: sleep } = require('timers/promises')

async function main () {
  const small = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-scale-small-'))
  const large = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-scale-large-'))
  try {
    const smallStore = LevelStore(small)
    await fill(smallStore, 1000)
    const atSmall = await mix(smallStore, 1000, 3)
    await close(smallStore)

    const store = LevelStore({ location: large, sweepInterval: 1000 })
    const started = Date.now()
    const fillRate = await fill(store, SESSIONS)
    const atLarge = await mix(store, SESSIONS, 3)
    const peak = dirSize(large)
    console.log(`wrote ${SESSIONS} sessions at ${Math.round(fillRate)} sets/s`)
    console.log(`get+set mix: ${Math.round(atSmall)} ops/s at 1,000 sessions, ${Math.round(atLarge)} ops/s at ${SESSIONS}: ${(atLarge / atSmall).toFixed(2)}×`)
    console.log(`directory at its peak: ${(peak / 1e6).toFixed(1)} MB`)

    // Every session expires EXPIRE_MS after its last write; then the sweeper has to catch up.
    const expiredAt = started + EXPIRE_MS + (Date.now() - started)
    let size = peak
    let last = -1
    while (Date.now() < expiredAt + 5 * 60 * 1000) {
      await sleep(5000)
      size = dirSize(large)
      if (Date.now() > expiredAt + 10000 && size === last) break
      last = size
    }
    console.log(`directory after expiry and sweep: ${(size / 1e6).toFixed(1)} MB, ${(100 * size / peak).toFixed(1)}% of its peak`)
    await close(store)
  } finally {
    fs.rmSync(small, { recursive: true, force: true })
    fs.rmSync(large, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
