'use strict'

// A custom Store API object whose every call fails, as a store whose database is down would: for
// the tests that a store's error reaches the framework's error handling.

function failingStore (message = 'the store is down') {
  const fail = (...args) => setImmediate(args[args.length - 1], new Error(message))
  return { get: fail, getAll: fail, set: fail, del: fail, delAll: fail }
}

module.exports = { failingStore }
