'use strict'

// The store a Session calls, timed: each call's duration, from the call to its callback, and
// whether the callback got an error, go to metrics() (./metrics.js) under the store's kind and the
// operation. Two clock reads and one closure per call. Every other method of the store is there
// too, as the store's own (bound to it), so a method the Store contract gains later reaches the
// Session unmeasured rather than not at all.

const { performance } = require('perf_hooks')
const { callSeries } = require('./metrics')
const { callbackOrPromise } = require('./stores/common')

// A store's kind, as metrics label it: this package's stores set it on their prototypes; any
// other store is 'custom'.
const kStoreKind = Symbol('generic-session.storeKind')

// The measured methods, each calling the store's own with a timed callback. `s()` is the call's
// series, made at the first call, so metrics list only the operations that happened.
const MEASURED = {
  get: (store, s) => (id, key, expire, cb) => store.get(id, key, expire, timedValue(s(), cb)),
  getAll: (store, s) => (id, expire, cb) => store.getAll(id, expire, timedValue(s(), cb)),
  set: (store, s) => (id, key, value, expire, cb) => store.set(id, key, value, expire, timedDone(s(), cb)),
  del: (store, s) => (id, key, expire, cb) => store.del(id, key, expire, timedDone(s(), cb)),
  delAll: (store, s) => (id, cb) => store.delAll(id, timedDone(s(), cb)),
  revoke: (store, s) => (id, cb) => store.revoke(id, timedDone(s(), cb)),
  move: (store, s) => (fromId, toId, expire, cb) => store.move(fromId, toId, expire, timedDone(s(), cb)),
  extend: (store, s) => (id, expire, cb) => store.extend(id, expire, timedDone(s(), cb)),
  // The store-wide calls, with their Promise form when called without a callback.
  ids: (store, s) => (cb) => callbackOrPromise(cb, (done) => store.ids(timedValue(s(), done))),
  length: (store, s) => (cb) => callbackOrPromise(cb, (done) => store.length(timedValue(s(), done))),
  clear: (store, s) => (cb) => callbackOrPromise(cb, (done) => store.clear(timedDone(s(), done)))
}

const measuredFor = new WeakMap() // operations -> its measured form

// `operations` (what store-contract.js made of `store`), measured; made once per store.
function measured (store, operations) {
  let out = measuredFor.get(operations)
  if (out === undefined) {
    out = measure(operations, (store !== null && typeof store === 'object' && store[kStoreKind]) || 'custom')
    measuredFor.set(operations, out)
  }
  return out
}

function measure (operations, kind) {
  // Properties that are not methods (a store's getters) read through to the store.
  const out = Object.create(operations)
  for (const name of methodNames(operations)) {
    out[name] = Object.hasOwn(MEASURED, name)
      ? MEASURED[name](operations, lazySeries(kind, name))
      : operations[name].bind(operations)
  }
  return out
}

function lazySeries (kind, name) {
  let series = null
  return () => series || (series = callSeries(kind, name))
}

// Every method `object` has, its own and inherited, but Object's.
function methodNames (object) {
  const names = new Set()
  for (let o = object; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name === 'constructor') continue
      const descriptor = Object.getOwnPropertyDescriptor(o, name)
      if (typeof descriptor.value === 'function') names.add(name)
    }
  }
  return names
}

function timedValue (series, callback) {
  const start = performance.now()
  return (err, value) => {
    series.observe((performance.now() - start) / 1000, Boolean(err))
    if (typeof callback === 'function') callback(err, value)
  }
}

function timedDone (series, callback) {
  const start = performance.now()
  return (err) => {
    series.observe((performance.now() - start) / 1000, Boolean(err))
    if (typeof callback === 'function') callback(err)
  }
}

module.exports = { measured, kStoreKind }
