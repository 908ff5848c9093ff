'use strict'

// The JavaScript half of a native store whose operations finish on another thread (LevelStore,
// RedisStore): each operation is sent with a ticket and its callback waits here; the native side
// answers in batches, one JSON text per batch (src/completion.rs), matched to callbacks by ticket.

const { noop } = require('./pending')

const MAX_TICKET = 0xffffffff

class Tickets {
  constructor (storeName) {
    this.storeName = storeName
    this.pending = new Map() // ticket -> callback
    this.last = 0
    this.idleWaiters = []
    // The native threads must not keep an idle process alive, but a pending callback must: this
    // timer is ref'd exactly while operations are pending.
    this.keepAlive = setInterval(noop, 0x7fffffff).unref()
  }

  get size () {
    return this.pending.size
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
      return process.nextTick(callback, err)
    }
    if (!sent) return process.nextTick(callback, closedError())
    this.pending.set(ticket, callback)
    if (this.pending.size === 1) this.keepAlive.ref()
  }

  // One batch of answers: [[ticket], [ticket, null, value], [ticket, "error message"]].
  deliver (text) {
    let answers
    try {
      answers = JSON.parse(text)
    } catch (err) {
      // Only a value corrupted in storage can break the text; fail what is pending rather than hang.
      answers = Array.from(this.pending.keys(), (ticket) => [ticket, `${this.storeName}: unreadable stored data (${err.message})`])
    }
    for (const [ticket, message, value] of answers) {
      const callback = this.pending.get(ticket)
      if (callback === undefined) continue
      this.pending.delete(ticket)
      try {
        callback(message == null ? null : new Error(message), value)
      } catch (err) {
        // A throwing callback is the application's bug: let it surface as usual, after the rest
        // of the batch has been answered.
        process.nextTick(() => { throw err })
      }
    }
    if (this.pending.size === 0) {
      this.keepAlive.unref()
      const waiters = this.idleWaiters.splice(0)
      for (const waiter of waiters) waiter()
    }
  }

  // Calls `fn` once nothing is pending (at once if nothing is).
  whenIdle (fn) {
    if (this.pending.size === 0) fn()
    else this.idleWaiters.push(fn)
  }

  stop () {
    clearInterval(this.keepAlive)
  }
}

module.exports = { Tickets }
