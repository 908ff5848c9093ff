'use strict'

// LevelStore at scale: `node bench/scale.js [sessions]` (default 1,000,000; `npm run bench:scale`).
//
// 1. The get-then-set mix on random sessions (100 in flight) with 1,000 sessions in the store, then
//    with `sessions` (written first, one small object each), once right after writing them (the
//    engine still flushing and compacting them on its own threads) and once settled (after
//    SETTLE_MS): the ratio is what size costs. The
//    sessions' expire is the default (2 weeks); the mix is also run with a 90 s expire, where
//    nearly every read of a session last written over 0.9 s ago rewrites its expiry (the slack is
//    1% of expire), so that figure measures those writes as much as the size.
// 2. RSS and the directory's size (disk space used, `du`) with that many sessions.
// 3. Mass expiry: 1,000,000 sessions (or `sessions`, if fewer) written with a 20 s expire, expire
//    together while 100 live sessions are read and written, one call at a time: the latency of
//    those calls while the sweeper removes the expired ones (p50, p99, max), how long the sweep
//    takes, and the directory's size after it against its peak.
//
// SCALE_SKIP_EXPIRY=1 skips step 3. SCALE_CACHE_SIZE=<bytes> sets the stores' cacheSize (default:
// LevelStore's, 256 MB, about 1.2M sessions of this size; reads of sessions it holds are answered
// on the JavaScript thread).

const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')
const { setTimeout: sleep } = require('timers/promises')
const { LevelStore } = require('..')

const SESSIONS = Number(process.argv[2] || 1e6)
const IN_FLIGHT = 100
const LONG_MS = 14 * 24 * 3600 * 1000
const SHORT_MS = 90 * 1000
const EXPIRING = Math.min(SESSIONS, 1e6)
const EXPIRING_MS = 20 * 1000
const SETTLE_MS = 20 * 1000
const CACHE = process.env.SCALE_CACHE_SIZE ? { cacheSize: Number(process.env.SCALE_CACHE_SIZE) } : {}

// Disk space used under `dir`, in bytes (`du`: allocated blocks, so sparse files count as written).
function diskUsage (dir) {
  return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) * 1024
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`

// Runs `op(i, done)` for i in [0, count) keeping IN_FLIGHT outstanding, issuing none after `until`
// (ms since the epoch); resolves to ops/s.
function drive (count, op, until = Infinity) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    let issued = 0
    let completed = 0
    const next = (err) => {
      if (err) return reject(err)
      if (++completed === issued && (issued === count || Date.now() >= until)) {
        return resolve(completed / (Number(process.hrtime.bigint() - started) / 1e9))
      }
      if (issued < count && Date.now() < until) op(issued++, next)
    }
    for (let c = 0; c < Math.min(IN_FLIGHT, count); c++) op(issued++, next)
  })
}

const value = (i) => ({ user: i, name: 'user ' + i, roles: ['reader'] })

function fill (store, count, expire, prefix = 'session:') {
  return drive(count, (i, done) => store.set(prefix + i, 'profile', value(i), expire, done))
}

// get then set on random sessions among `count`, for `seconds` (at most 10M of them); ops/s counts
// both calls.
async function mix (store, count, seconds, expire) {
  const until = Date.now() + seconds * 1000
  return 2 * await drive(1e7, (i, done) => {
    const id = 'session:' + Math.floor(Math.random() * count)
    store.get(id, 'profile', expire, (err) => {
      if (err) return done(err)
      store.set(id, 'seen', i, expire, done)
    })
  }, until)
}

const call = (fn) => new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))))
const close = (store) => call((cb) => store.close(cb))

function percentile (sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

// Step 3 on a store of its own.
async function massExpiry (dir) {
  const store = LevelStore({ location: dir, sweepInterval: 1000, ...CACHE })
  const started = Date.now()
  const rate = await fill(store, EXPIRING, EXPIRING_MS, 'session:expiring-')
  for (let i = 0; i < 100; i++) await call((cb) => store.set('session:live' + i, 'k', i, LONG_MS, cb))
  const peak = diskUsage(dir)
  const rss = process.memoryUsage().rss
  console.log(`wrote ${EXPIRING} sessions expiring in ${EXPIRING_MS / 1000} s at ${Math.round(rate)} sets/s; directory ${mb(peak)}, RSS ${mb(rss)}`)
  // From the expiry until the sweep is done (the directory stops shrinking: no new low by more
  // than 1% for 5 s), one call at a time on the live sessions.
  const expired = started + EXPIRING_MS
  await sleep(Math.max(0, expired - Date.now()))
  const latencies = []
  let low = peak
  let lowAt = Date.now()
  let checked = Date.now()
  while (Date.now() - lowAt < 5000 && Date.now() < expired + 10 * 60 * 1000) {
    const i = (latencies.length / 2) % 100
    const t0 = process.hrtime.bigint()
    const got = await call((cb) => store.get('session:live' + i, 'k', LONG_MS, cb))
    const t1 = process.hrtime.bigint()
    await call((cb) => store.set('session:live' + i, 'k', got, LONG_MS, cb))
    latencies.push(Number(t1 - t0) / 1e6, Number(process.hrtime.bigint() - t1) / 1e6)
    if (Date.now() - checked > 500) {
      checked = Date.now()
      const size = diskUsage(dir)
      if (size < low * 0.99) {
        low = size
        lowAt = checked
      }
    }
  }
  latencies.sort((a, b) => a - b)
  console.log(`store calls while the sweep ran (${latencies.length} gets and sets, one at a time): p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`)
  console.log(`the directory stopped shrinking ${((lowAt - expired) / 1000).toFixed(0)} s after the expiry: ${mb(low)}, ${(100 * low / peak).toFixed(1)}% of its peak`)
  await close(store)
}

async function main () {
  const small = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-scale-small-'))
  const large = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-scale-large-'))
  const expiring = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-scale-expiring-'))
  try {
    const smallStore = LevelStore({ location: small, ...CACHE })
    await fill(smallStore, 1000, LONG_MS)
    const atSmall = await mix(smallStore, 1000, 3, LONG_MS)
    const atSmallShort = await mix(smallStore, 1000, 3, SHORT_MS)
    await close(smallStore)

    const store = LevelStore({ location: large, ...CACHE })
    const fillRate = await fill(store, SESSIONS, LONG_MS)
    const atLargeAtOnce = await mix(store, SESSIONS, 3, LONG_MS)
    await sleep(SETTLE_MS)
    const atLarge = await mix(store, SESSIONS, 3, LONG_MS)
    const atLargeShort = await mix(store, SESSIONS, 3, SHORT_MS)
    const rss = process.memoryUsage().rss
    const size = diskUsage(large)
    await close(store)
    const reopenStarted = Date.now()
    await close(LevelStore({ location: large }))
    const reopenMs = Date.now() - reopenStarted
    fs.rmSync(large, { recursive: true, force: true })
    console.log(`wrote ${SESSIONS} sessions at ${Math.round(fillRate)} sets/s; RSS ${mb(rss)}, directory ${mb(size)}; reopening took ${reopenMs} ms`)
    console.log(`get+set mix, expire 2 weeks: ${Math.round(atSmall)} ops/s at 1,000 sessions; at ${SESSIONS}, right after writing them ${Math.round(atLargeAtOnce)} ops/s (${(atLargeAtOnce / atSmall).toFixed(2)}×), settled ${Math.round(atLarge)} ops/s: ${(atLarge / atSmall).toFixed(2)}×`)
    console.log(`get+set mix, expire 90 s: ${Math.round(atSmallShort)} ops/s at 1,000 sessions, ${Math.round(atLargeShort)} ops/s at ${SESSIONS}: ${(atLargeShort / atSmallShort).toFixed(2)}×`)

    if (!process.env.SCALE_SKIP_EXPIRY) await massExpiry(expiring)
  } finally {
    for (const dir of [small, large, expiring]) fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
