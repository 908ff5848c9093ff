'use strict'

// A store seen through a Relay, for the tests that need a precise interleaving of store calls
// (test/users-adversarial.test.js, test/users-crash.test.js): it forwards every call to the real
// store, and can hold one call back until the test lets it go (a slow network reply, or a request
// of another process) or fail one (a timeout), so the interleaving is forced rather than hoped for.
// It has the index methods of sessions of a user (over itself, so their calls can be held too).

const genericSession = require('../..')

// A store that forwards to `inner`, with hold(match) and failNext(match) for one call each.
class Relay {
  constructor (inner) {
    this.inner = inner
    this.rules = []
  }

  // The next call that `match(method, args)` accepts waits until release(); `reached` resolves
  // once it has come, `done` once the real store has answered it after the release.
  hold (match) {
    let release
    let arrived
    let answered
    const gate = new Promise((resolve) => { release = resolve })
    const reached = new Promise((resolve) => { arrived = resolve })
    const done = new Promise((resolve) => { answered = resolve })
    this.rules.push({ match, run: (forward) => { arrived(); gate.then(() => forward(answered)) } })
    return { reached, release, done }
  }

  // The next call that `match` accepts calls back with an error, the store untouched.
  failNext (match) {
    this.rules.push({ match, run: (forward, callback) => process.nextTick(callback, new Error('Relay: injected failure')) })
  }

  _call (method, args) {
    const callback = args[args.length - 1]
    const forward = (after = () => {}) => this.inner[method](...args.slice(0, -1), (...result) => {
      callback(...result)
      after()
    })
    const at = this.rules.findIndex((rule) => rule.match(method, args))
    if (at === -1) return forward()
    const [rule] = this.rules.splice(at, 1)
    rule.run(forward, callback)
  }

  get (...args) { this._call('get', args) }
  getAll (...args) { this._call('getAll', args) }
  set (...args) { this._call('set', args) }
  del (...args) { this._call('del', args) }
  delAll (...args) { this._call('delAll', args) }
}
Object.assign(Relay.prototype, genericSession.userIndexMethods)

// Relays revoke and move only for stores that have them (a custom store has neither).
function relayOf (inner) {
  const relay = new Relay(inner)
  if (typeof inner.revoke === 'function') relay.revoke = (...args) => relay._call('revoke', args)
  if (typeof inner.move === 'function') relay.move = (...args) => relay._call('move', args)
  return relay
}

module.exports = { Relay, relayOf }
