'use strict'

// What the framework adapters (koa.js, fastify.js) refuse beyond the session options themselves:
// a `cookies` object. It belongs to one request (new Cookies(req, res)), and an adapter is made
// once for every request, so it would write every response's cookie through the first request's.

function refuseCookiesObject (options, where) {
  if (options && typeof options === 'object' && options.cookies !== undefined) {
    throw new TypeError(`options.cookies cannot be used with ${where}: a Cookies object belongs to one request, and ` +
      'the session cookie already sits next to the framework\'s own cookies (leave options.cookies out)')
  }
}

module.exports = { refuseCookiesObject }
