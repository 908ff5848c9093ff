'use strict'

// What the framework adapters (koa.js, fastify.js) refuse beyond the session options themselves:
// a `cookies` object. It belongs to one request (new Cookies(req, res)), and an adapter is made
// once for every request, so it would write every response's cookie through the first request's.
// And koaSession's express-session `store` option, whose fix there names koaSession.

function refuseCookiesObject (options, where) {
  if (options && typeof options === 'object' && options.cookies !== undefined) {
    throw new TypeError(`options.cookies cannot be used with ${where}: a Cookies object belongs to one request, and ` +
      'the session cookie already sits next to the framework\'s own cookies (leave options.cookies out)')
  }
}

// express-session's `store` (ported code passes it); the core's message names middleware(store,
// options), where here the store is koaSession's first argument. (Fastify's plugin takes `store`.)
function refuseStoreOption (options, call) {
  if (options && typeof options === 'object' && options.store !== undefined) {
    throw new TypeError(`options.store is an express-session option: pass the store as the first argument: ${call}`)
  }
}

module.exports = { refuseCookiesObject, refuseStoreOption }
