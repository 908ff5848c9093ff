'use strict'

// middleware(store[, options]) -> function (req, res, next), setting req.session and res.session.
// Store and options are checked here, once, so a misconfiguration fails at start-up.

const { readOptions } = require('./options')
const { operationsFor } = require('./store-contract')
const { Session } = require('./session')

function middleware (store, options) {
  const operations = operationsFor(store)
  return filterOf(store, operations, readOptions(options))
}

// The filter on `store` with a config already read (levelSession reads its options itself).
function filterOf (store, operations, config) {
  return function genericSessionMiddleware (req, res, next) {
    req.session = res.session = new Session(req, res, store, operations, config)
    next()
  }
}

module.exports = { middleware, filterOf }
