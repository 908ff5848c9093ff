'use strict'

// The store methods an expressStore needs beyond what a Session calls: extend (touch), and ids,
// length and clear (all, length, clear), which the Store API leaves optional. This package's
// stores keep the callback contract; a custom store's method is called guarded as
// ../store-contract.js guards the others (its callback reaches us once and never synchronously,
// a throw becomes the error), and may answer with a Promise instead of the callback.

const { kKeepsContract } = require('../store-contract')

// A function (...args, callback) calling `name` of `store`, or null when the store has none.
function optionalMethod (store, operations, name) {
  if (typeof store[name] !== 'function') return null
  if (store[kKeepsContract] === true && typeof operations[name] === 'function') return operations[name] // timed for metrics()
  return (...args) => guardedCall(store, name, args.slice(0, -1), args[args.length - 1])
}

function guardedCall (store, name, args, callback) {
  let returned = false
  let called = false
  const done = (err, value) => {
    if (called) return
    called = true
    if (returned) callback(err || null, value)
    else process.nextTick(callback, err || null, value)
  }
  try {
    const answer = store[name](...args, done)
    if (answer !== null && typeof answer === 'object' && typeof answer.then === 'function') {
      answer.then((value) => done(null, value), (err) => done(err || new Error(`the store's ${name}() rejected with ${String(err)}`)))
    }
  } catch (err) {
    done(err)
  }
  returned = true
}

module.exports = { optionalMethod }
