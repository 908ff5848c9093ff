'use strict'

// The class an expressStore extends. express-session needs its own Store base (createSession,
// load, regenerate, an EventEmitter): that is the application's dependency, not this package's, so
// it is required only when an expressStore is made, or taken from options.expressSession.
// @fastify/session needs only an EventEmitter with get/set/destroy, so without express-session the
// store still works there; express-session itself then fails at start-up, when session({ store })
// hands the store its generate function (below), rather than inside a request.

const { EventEmitter } = require('events')

function baseClass (expressSession) {
  if (expressSession) return expressSession.Store
  try {
    return require('express-session').Store
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw err
    return WithoutExpressSession
  }
}

class WithoutExpressSession extends EventEmitter {
  // express-session's session() sets store.generate as it starts: the one sign that it is in use.
  get generate () {
    return undefined
  }

  set generate (_) {
    throw new TypeError('expressStore: express-session could not be required from generic-session, and its Store class is needed ' +
      'here: pass it, expressStore(store, { expressSession: require(\'express-session\') })')
  }
}

module.exports = { baseClass }
