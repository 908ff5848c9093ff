'use strict'

// generic-session: a session manager for any Node web server, over a pluggable store.
//
//   request → cookie (lib/session-cookie.js) → token → store id (lib/session.js)
//           → store operation (lib/memory-store.js or any Store API object) → callback

const { readOptions } = require('./lib/options')
const { operationsFor } = require('./lib/store-contract')
const { Session } = require('./lib/session')
const MemoryStore = require('./lib/memory-store')

// genericSession(req, res, store[, options]) -> Session
function genericSession (req, res, store, options) {
  return new Session(req, res, store, operationsFor(store), readOptions(options))
}

// middleware(store[, options]) -> function (req, res, next), setting req.session and res.session.
// Store and options are checked here, once, so a misconfiguration fails at start-up.
function middleware (store, options) {
  const operations = operationsFor(store)
  const config = readOptions(options)
  return function genericSessionMiddleware (req, res, next) {
    req.session = res.session = new Session(req, res, store, operations, config)
    next()
  }
}

genericSession.middleware = middleware
genericSession.filter = middleware
genericSession.MemoryStore = MemoryStore

module.exports = genericSession
