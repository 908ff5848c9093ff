'use strict'

// generic-session: a session manager for any Node web server, over a pluggable store.
//
//   request → cookie (lib/session-cookie.js) → token → store id (lib/session.js)
//           → store operation (lib/stores/, or any Store API object: lib/store-contract.js)
//           → callback

const { readOptions } = require('./lib/options')
const { operationsFor } = require('./lib/store-contract')
const { Session } = require('./lib/session')
const { middleware } = require('./lib/middleware')
const MemoryStore = require('./lib/stores/memory')
const LevelStore = require('./lib/stores/level')
const RedisStore = require('./lib/stores/redis')
const levelSession = require('./lib/level-session')
const { userIndexMethods } = require('./lib/users/store-methods')
const { metrics } = require('./lib/metrics')
const { CHANNELS } = require('./lib/events')
const { expressStore } = require('./lib/express-store')

// genericSession(req, res, store[, options]) -> Session
function genericSession (req, res, store, options) {
  return new Session(req, res, store, operationsFor(store), readOptions(options))
}

genericSession.middleware = middleware
genericSession.filter = middleware
genericSession.MemoryStore = MemoryStore
genericSession.LevelStore = LevelStore
genericSession.RedisStore = RedisStore
genericSession.levelSession = levelSession
// listSessions and revokeSessions over any Store API, for custom stores to take in.
genericSession.userIndexMethods = userIndexMethods
// Lifecycle events (node:diagnostics_channel channel names) and their counts: README, Events and metrics.
genericSession.channels = CHANNELS
genericSession.metrics = metrics
// Any store as an express-session (and @fastify/session) store: README, Coming from express-session.
genericSession.expressStore = expressStore

module.exports = genericSession
