'use strict'

// What a Session needs of a store: get, getAll, set, del and delAll whose callbacks are called
// exactly once and never synchronously, and which report failures to the callback. This package's
// own stores keep that contract; any other store is checked once and wrapped to keep it.

const { measured } = require('./measured-store')

const kKeepsContract = Symbol.for('generic-session.keepsStoreContract')
// Set on this package's stores whose reads cost a round trip (RedisStore): a Session does not
// read a session it has just made from them (lib/session.js, #blank).
const kRemoteReads = Symbol('generic-session.remoteReads')
const REQUIRED = ['get', 'getAll', 'set', 'del', 'delAll']

const wrapped = new WeakMap()

// The object a Session calls for `store`, after checking it implements the Store API; its calls
// timed for metrics() (./measured-store.js).
function operationsFor (store) {
  return measured(store, contractOf(store))
}

function contractOf (store) {
  if (store !== null && typeof store === 'object' && store[kKeepsContract] === true) return store
  let operations = wrapped.get(store)
  if (operations === undefined) {
    checkStore(store)
    operations = new GuardedStore(store)
    wrapped.set(store, operations)
  }
  return operations
}

function checkStore (store) {
  if (store === null || (typeof store !== 'object' && typeof store !== 'function')) {
    throw new TypeError('store must be an object implementing the Store API (get, getAll, set, del, delAll)')
  }
  const missing = REQUIRED.filter((name) => typeof store[name] !== 'function')
  if (missing.length > 0) {
    throw new TypeError(`store must implement the Store API: missing ${missing.join(', ')}`)
  }
}

// A custom store behind the contract: its callback reaches ours once and asynchronously, and a
// synchronous throw becomes a callback error instead of escaping into the request.
class GuardedStore {
  constructor (store) {
    this.store = store
    // The optional move (regenerate's one step); Session falls back to getAll, copy and revoke
    // for a store without it, so this one is there only when the store's is.
    if (typeof store.move === 'function') {
      this.move = (fromId, toId, expire, callback) => guarded(callback, false, (done) => store.move(fromId, toId, expire, done))
    }
    // The optional calls a Session never makes (expressStore's touch and its all, length and
    // clear), likewise only when the store has them. Newer than the rest of the Store API, they may
    // answer with a Promise instead of the callback.
    if (typeof store.extend === 'function') {
      this.extend = (id, expire, callback) => guarded(callback, false, (done) => promiseToo(store.extend(id, expire, done), done, 'extend'))
    }
    for (const [name, withValue] of [['ids', true], ['length', true], ['clear', false]]) {
      if (typeof store[name] === 'function') this[name] = (callback) => guarded(callback, withValue, (done) => promiseToo(store[name](done), done, name))
    }
  }

  get (id, key, expire, callback) {
    guarded(callback, true, (done) => this.store.get(id, key, expire, done))
  }

  getAll (id, expire, callback) {
    guarded(callback, true, (done) => this.store.getAll(id, expire, done))
  }

  set (id, key, value, expire, callback) {
    guarded(callback, false, (done) => this.store.set(id, key, value, expire, done))
  }

  del (id, key, expire, callback) {
    guarded(callback, false, (done) => this.store.del(id, key, expire, done))
  }

  delAll (id, callback) {
    guarded(callback, false, (done) => this.store.delAll(id, done))
  }

  // The optional revoke (delAll leaving a tombstone); a store without it gets delAll.
  revoke (id, callback) {
    if (typeof this.store.revoke !== 'function') return this.delAll(id, callback)
    guarded(callback, false, (done) => this.store.revoke(id, done))
  }
}

// A call's answer given as a Promise rather than to the callback, passed on to it.
function promiseToo (answer, done, name) {
  if (answer !== null && typeof answer === 'object' && typeof answer.then === 'function') {
    answer.then((value) => done(null, value), (err) => done(err || new Error(`the store's ${name}() rejected with ${String(err)}`)))
  }
}

function guarded (callback, withValue, operation) {
  let returned = false
  let called = false
  const done = (err, value) => {
    if (called) return
    called = true
    const args = withValue && !err ? [err || null, value] : [err || null]
    if (returned) callback(...args)
    else process.nextTick(() => callback(...args))
  }
  try {
    operation(done)
  } catch (err) {
    done(err)
  }
  returned = true
}

module.exports = { operationsFor, kKeepsContract, kRemoteReads }
