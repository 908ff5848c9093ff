'use strict'

// Running several store calls for one answer: all at once (one save's keys: the store applies
// them in call order), or a bounded number at a time (all() and clear() over every session, which
// must not flood a store: RedisStore refuses calls past its maxPending).

const IN_FLIGHT = 64

// Runs each step(cb) at once; `callback(err)` once all have called back, with the first error.
function runAll (steps, callback) {
  let left = steps.length
  let failure = null
  if (left === 0) return process.nextTick(callback, null)
  for (const step of steps) {
    step((err) => {
      if (err && !failure) failure = err
      if (--left === 0) callback(failure)
    })
  }
}

// Calls each(item, cb) for every item, IN_FLIGHT at a time; `callback(err)` when all are done,
// with the first error (no new call starts after one).
function runLimited (items, each, callback) {
  let next = 0
  let running = 0
  let failure = null
  if (items.length === 0) return process.nextTick(callback, null)
  const start = () => {
    while (running < IN_FLIGHT && next < items.length && !failure) {
      running++
      each(items[next++], (err) => {
        running--
        if (err && !failure) failure = err
        if (running === 0 && (failure || next === items.length)) callback(failure)
        else start()
      })
    }
  }
  start()
}

module.exports = { runAll, runLimited }
