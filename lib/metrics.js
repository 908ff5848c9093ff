'use strict'

// The counters behind genericSession.metrics(): sessions' lifecycle events (counted by
// ./events.js), and each Session→store call's duration and failure (counted by
// ./measured-store.js). Counting is a few additions per event or call, always on; metrics() copies
// them into a plain snapshot, which can render itself as Prometheus text (./prometheus-text.js).

const { expiredCounts } = require('./native')
const { render, CONTENT_TYPE } = require('./prometheus-text')

// The store call histogram's upper bounds, in seconds: 50 µs (a MemoryStore call and its
// process.nextTick) to 5 s (past RedisStore's default 2 s commandTimeout).
const DURATION_BUCKETS = Object.freeze([0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5])

// Every reason this package gives (./events.js REJECTED), so each is in the output from the start.
const REASONS = ['bad signature', 'malformed', 'unknown token', 'maxLifetime', 'revoked user']

const counts = {
  created: 0,
  regenerated: 0,
  destroyed: 0,
  // store kind -> sessions it found expired, counted in JavaScript (the native stores count
  // their own, read at each snapshot)
  expired: new Map(),
  // reason -> rejections
  rejected: new Map(REASONS.map((reason) => [reason, 0]))
}

// One store kind's calls of one operation.
class CallSeries {
  constructor (store, operation) {
    this.store = store
    this.operation = operation
    this.calls = 0
    this.errors = 0
    this.seconds = 0
    // Calls per bucket (not cumulative), the last one past every bound.
    this.buckets = new Array(DURATION_BUCKETS.length + 1).fill(0)
  }

  observe (seconds, failed) {
    this.calls++
    this.seconds += seconds
    if (failed) this.errors++
    let i = 0
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++
    this.buckets[i]++
  }
}

const series = new Map() // `${store}\0${operation}` -> CallSeries

// The series of `store`'s `operation` calls, made on first use (a store wraps its own once).
function callSeries (store, operation) {
  const name = store + '\u0000' + operation
  let found = series.get(name)
  if (found === undefined) {
    found = new CallSeries(store, operation)
    series.set(name, found)
  }
  return found
}

// genericSession.metrics(): the counts now, as plain data (JSON.stringify gives all of it), with
// toPrometheus() to render them.
function metrics () {
  const native = expiredCounts()
  const expired = { MemoryStore: native.memoryStore, LevelStore: native.levelStore }
  for (const [store, n] of counts.expired) expired[store] = (expired[store] || 0) + n
  const snapshot = {
    created: counts.created,
    regenerated: counts.regenerated,
    destroyed: counts.destroyed,
    expired,
    rejected: Object.fromEntries(counts.rejected),
    // Buckets are cumulative, as Prometheus has them; past the last bound is every call (`calls`).
    storeCalls: Array.from(series.values(), (s) => {
      let calls = 0
      const buckets = DURATION_BUCKETS.map((le, i) => ({ le, calls: (calls += s.buckets[i]) }))
      return { store: s.store, operation: s.operation, calls: s.calls, errors: s.errors, seconds: s.seconds, buckets }
    })
  }
  Object.defineProperty(snapshot, 'toPrometheus', { value: () => render(snapshot) })
  return snapshot
}

metrics.contentType = CONTENT_TYPE

module.exports = { counts, callSeries, metrics, DURATION_BUCKETS }
