'use strict'

// middleware(store[, options]) -> function (req, res, next), setting req.session and res.session.
// Store and options are checked here, once, so a misconfiguration fails at start-up.

const { readOptions } = require('./options')
const { operationsFor } = require('./store-contract')
const { Session } = require('./session')

function middleware (store, options) {
  const operations = operationsFor(store)
  const config = readOptions(options)
  return function genericSessionMiddleware (req, res, next) {
    req.session = res.session = new Session(req, res, store, operations, config)
    next()
  }
}

module.exports = { middleware }
