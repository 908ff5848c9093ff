'use strict'

// The off-thread stores (LevelStore, RedisStore): their operations finish on another thread. Each
// call goes to the native side with a ticket, its callback waits here, and the native side answers
// in batches, one JSON text per batch (src/completion.rs), matched to callbacks by ticket. Values
// cross as JSON text both ways; ids and keys as stored text (./texts.js), which is lossless.
//
// The contract a new store of this kind fills:
//
// - JavaScript: a class extending TicketedStore whose constructor calls
//     super(name, (deliver) => new FooStoreCore(settings..., deliver), { maxPending, startEachTurn })
//   name           'FooStore': errors say "FooStore is closed"
//   makeCore       makes the native half; `deliver(text)` is to be called with each batch of answers
//   maxPending     at most this many calls wait at once; past it a call fails at once (default: no bound)
//   startEachTurn  calls wait natively until the end of this turn of the event loop, then start
//                  together with core.flush(); close() then waits for pending calls first
//   peeks          the core can answer reads from memory on this thread: core.peek(id, key,
//                  expireMs) (key undefined: getAll) returns the value's JSON text, true (an absent
//                  key) or false (submit the read). Peeks are made only for sessions with no call
//                  of this store in flight, so a read never overtakes a write before it, nor
//                  another read of the same session
// - Rust (src/binding/): a #[napi] class with
//     submit(ticket, call, id, key, json, expireMs) -> bool   `call` a StoreCall; false once closed
//                                                              (Move: `key` holds the target id)
//     close(ticket) -> bool                                    answers `ticket` once closed
//     flush()                                                  only with startEachTurn
//     peek(id, key, expireMs) -> string | boolean              only with peeks
//   whose engine answers each src/operation.rs Op with a src/completion.rs Completion.
//
// The Store API methods below are then the store's; it adds whatever is its own (options, getters).

const { StoreCall, EXPIRED_TICKET } = require('../native')
const { noop, expireMs, setAsJson, callbackOrPromise, closedError, plainError } = require('./common')
const { callTexts, userText, userIds, userKeys } = require('./texts')
const { expiryListening, announceExpired } = require('../events')
const { userIndexMethods } = require('../users/store-methods')

const MAX_TICKET = 0xffffffff
// The texts of a store-wide call: no session (the native side ignores the id it is given).
const STORE_WIDE = [undefined, undefined]

class TicketedStore {
  #name
  #core
  #tickets
  #maxPending
  #startEachTurn
  #starting = false
  #closed = false
  // With peeks: session id -> how many of its calls are in flight.
  #inFlight = null
  // clear() calls in flight: no read is answered from memory meanwhile, so a read called after a
  // clear never sees what it removed.
  #clearing = 0

  constructor (name, makeCore, { maxPending = Infinity, startEachTurn = false, peeks = false } = {}) {
    const tickets = new Tickets(name)
    // Someone already subscribed: the store's thread names expired sessions from its first sweep.
    expiryListening()
    this.#name = name
    this.#tickets = tickets
    this.#maxPending = maxPending
    this.#startEachTurn = startEachTurn
    if (peeks) this.#inFlight = new Map()
    try {
      this.#core = makeCore((text) => tickets.deliver(text))
    } catch (err) {
      throw plainError(err)
    }
  }

  get (id, key, expire, callback) {
    const texts = callTexts(callback, id, key, 'key')
    if (texts === null || this.#peek(callback, texts, expire)) return
    this.#submit(callback, StoreCall.Get, texts, undefined, expire)
  }

  getAll (id, expire, callback) {
    const texts = callTexts(callback, id)
    if (texts === null || this.#peek(callback, texts, expire)) return
    this.#submit((err, data) => callback(err, err ? undefined : userKeys(data)), StoreCall.GetAll, texts, undefined, expire)
  }

  set (id, key, value, expire, callback = noop) {
    setAsJson(this, id, key, value, expire, callback, (json) => {
      const texts = callTexts(callback, id, key, 'key')
      if (texts !== null) this.#submit(callback, StoreCall.Set, texts, json, expire)
    })
  }

  del (id, key, expire, callback = noop) {
    const texts = callTexts(callback, id, key, 'key')
    if (texts !== null) this.#submit(callback, StoreCall.Del, texts, undefined, expire)
  }

  delAll (id, callback = noop) {
    const texts = callTexts(callback, id)
    if (texts !== null) this.#submit(callback, StoreCall.DelAll, texts, undefined, undefined)
  }

  // delAll, leaving a tombstone: a write still in flight cannot bring the session back.
  revoke (id, callback = noop) {
    const texts = callTexts(callback, id)
    if (texts !== null) this.#submit(callback, StoreCall.Revoke, texts, undefined, undefined)
  }

  extend (id, expire, callback = noop) {
    const texts = callTexts(callback, id)
    if (texts !== null) this.#submit(callback, StoreCall.Extend, texts, undefined, expire)
  }

  // Moves the session's data to `toId` (a new, unused id) and revokes `id`, in one step
  // (regenerate). A revoked or absent session moves nothing; a later revoke of `id` revokes
  // `toId` too. The target id crosses in the key's place.
  move (id, toId, expire, callback = noop) {
    const texts = callTexts(callback, id, toId, 'id')
    if (texts !== null) this.#submit(callback, StoreCall.Move, texts, undefined, expire)
  }

  // The store-wide calls: the ids of every live session (holding a key, not revoked, not expired;
  // never an internal record such as a user's index), how many, and removing everything the store
  // holds. A callback, or without one a Promise. What each costs is the store's (README, Store API).
  ids (callback) {
    return callbackOrPromise(callback, (done) => {
      this.#submit((err, ids) => done(err, err ? undefined : userIds(ids)), StoreCall.Ids, STORE_WIDE)
    })
  }

  length (callback) {
    return callbackOrPromise(callback, (done) => this.#submit(done, StoreCall.Length, STORE_WIDE))
  }

  clear (callback) {
    return callbackOrPromise(callback, (done) => {
      this.#clearing++
      this.#submit((err) => {
        this.#clearing--
        done(err)
      }, StoreCall.Clear, STORE_WIDE)
    })
  }

  // Closes the native side once every call made before has been applied, and calls back. Calls
  // after close call back with an error; a second close calls back at once.
  close (callback = noop) {
    if (this.#closed) return process.nextTick(callback, null)
    this.#closed = true
    const closeCore = () => this.#tickets.issue((err) => {
      this.#tickets.stop()
      callback(err)
    }, (ticket) => this.#core.close(ticket), () => closedError(this.#name))
    // A store whose calls start at the end of the turn has nothing queued in order behind which
    // the close could wait: it waits here (each pending call ends within its own bound).
    if (this.#startEachTurn) this.#tickets.whenIdle(closeCore)
    else closeCore()
  }

  // Answers a read of [id, key] (stored texts; no key: getAll) from the core's memory when it can
  // (true), never synchronously. Anything unusual (a closed store) is left to the submitted call,
  // which reports it.
  #peek (callback, [idText, keyText], expire) {
    const inFlight = this.#inFlight
    if (inFlight === null || this.#closed || this.#clearing > 0 || typeof callback !== 'function' || inFlight.has(idText)) return false
    const found = this.#core.peek(idText, keyText, expireMs(expire))
    if (found === false) return false
    let value // true: the key is absent
    if (found !== true) {
      try {
        value = JSON.parse(found)
      } catch (err) {
        return false // only stored damage could do this: let the store thread answer
      }
    }
    process.nextTick(callback, null, keyText === undefined ? userKeys(value) : value)
    return true
  }

  // One call on [id, key] (stored texts; for a move, the key is the target id; STORE_WIDE for the
  // calls about the whole store).
  #submit (callback, call, [idText, keyText], json, expire) {
    if (this.#inFlight !== null && idText !== undefined) callback = this.#counted(idText, callback)
    if (this.#closed) return process.nextTick(callback, closedError(this.#name))
    if (this.#tickets.size >= this.#maxPending) {
      return process.nextTick(callback, new Error(
        `${this.#name}: ${this.#maxPending} operations are already waiting (maxPending); is the server slow or down?`))
    }
    // The store's thread keeps the ids of sessions it finds expired only while anyone listens;
    // each call tells it when that changed.
    expiryListening()
    const send = (ticket) => this.#core.submit(ticket, call, idText === undefined ? '' : idText, keyText, json, expireMs(expire))
    this.#tickets.issue(callback, send, () => closedError(this.#name))
    // The many requests a busy server reads in one turn then cost one wake of the store's thread.
    if (this.#startEachTurn && !this.#starting) {
      this.#starting = true
      setImmediate(() => {
        this.#starting = false
        this.#core.flush()
      })
    }
  }

  // `callback`, counting the call as in flight for `id` until it is answered.
  #counted (id, callback) {
    const inFlight = this.#inFlight
    inFlight.set(id, (inFlight.get(id) || 0) + 1)
    return (err, value) => {
      const left = inFlight.get(id) - 1
      if (left === 0) inFlight.delete(id)
      else inFlight.set(id, left)
      callback(err, value)
    }
  }
}

// The callbacks waiting for the native side, by ticket.
class Tickets {
  constructor (storeName) {
    this.storeName = storeName
    // ticket -> callback, in a plain object rather than a Map: V8 allocates a Map's next hash
    // table where its last one lives and leaves the replaced one holding its entries, so once one
    // table reached the old generation every table after it was made there, and each replaced one
    // kept the callbacks it held, and all their requests' objects, alive through every scavenge
    // until the next full collection (measured under express-session: bench/README.md,
    // "express-session with expressStore(RedisStore)").
    this.pending = Object.create(null)
    this.size = 0
    this.last = 0
    this.idleWaiters = []
    // The native threads must not keep an idle process alive, but a pending callback must: this
    // timer is ref'd exactly while operations are pending.
    this.keepAlive = setInterval(noop, 0x7fffffff).unref()
  }

  // Sends one operation: `send(ticket)` hands it to the native side and returns false when that
  // side is closed, which `closedError()` then reports. A throw from `send` (a bad argument) goes
  // to the callback too. Callbacks are never called synchronously.
  issue (callback, send, closedError) {
    this.last = this.last === MAX_TICKET ? 1 : this.last + 1
    const ticket = this.last
    let sent
    try {
      sent = send(ticket)
    } catch (err) {
      return process.nextTick(callback, plainError(err))
    }
    if (!sent) return process.nextTick(callback, closedError())
    this.pending[ticket] = callback
    if (++this.size === 1) this.keepAlive.ref()
  }

  // One batch of answers: [[ticket], [ticket, null, value], [ticket, "error message"]], and
  // perhaps [EXPIRED_TICKET, null, [id, ...]]: sessions the store found expired.
  deliver (text) {
    let answers
    try {
      answers = JSON.parse(text)
    } catch (err) {
      // Only a value corrupted in storage can break the text; fail what is pending rather than hang.
      answers = Object.keys(this.pending).map((ticket) => [Number(ticket), `${this.storeName}: unreadable stored data (${err.message})`])
    }
    for (const [ticket, message, value] of answers) {
      if (ticket === EXPIRED_TICKET) {
        for (const id of value) announceExpired(userText(id), this.storeName)
        continue
      }
      const callback = this.pending[ticket]
      if (callback === undefined) continue
      delete this.pending[ticket]
      this.size--
      try {
        callback(message == null ? null : new Error(message), value)
      } catch (err) {
        // A throwing callback is the application's bug: let it surface as usual, after the rest
        // of the batch has been answered.
        process.nextTick(() => { throw err })
      }
    }
    if (this.size === 0) {
      this.keepAlive.unref()
      const waiters = this.idleWaiters.splice(0)
      for (const waiter of waiters) waiter()
    }
  }

  // Calls `fn` once nothing is pending (at once if nothing is).
  whenIdle (fn) {
    if (this.size === 0) fn()
    else this.idleWaiters.push(fn)
  }

  stop () {
    clearInterval(this.keepAlive)
  }
}

// listSessions and revokeSessions (sessions of a user, over this store's Store API).
Object.assign(TicketedStore.prototype, userIndexMethods)

module.exports = { TicketedStore }
