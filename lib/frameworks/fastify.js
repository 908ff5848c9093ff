'use strict'

// require('generic-session/fastify'): a Fastify plugin, registered as
// fastify.register(plugin, { store, ...options }), that gives every request `request.session`.
//
// fastify-plugin lifts the plugin out of its own encapsulation: the decoration and the onRequest
// hook belong to the context that registers it, so its routes and its children's see sessions.
// Store and options are checked at registration, so a bad one fails register()/ready().

const fp = require('fastify-plugin')
const { readOptions } = require('../options')
const { operationsFor } = require('../store-contract')
const { Session } = require('../session')
const { refuseCookiesObject } = require('./options')

// Async, so that whatever throws here (bad options, or request.session already decorated by
// another session plugin) rejects register() and ready() rather than escaping uncaught.
async function genericSessionFastify (fastify, pluginOptions) {
  const hook = sessionHook(pluginOptions)
  fastify.decorateRequest('session', null)
  fastify.addHook('onRequest', hook)
}

// The onRequest hook for the plugin's options: { store, ...session options }.
function sessionHook (pluginOptions) {
  // logLevel and logSerializers are options of Fastify's register(), handed on to every plugin.
  // (`prefix` is too, but is meaningless for this unencapsulated plugin, and ported code may mean
  // a key prefix by it: it stays an unknown option, whose warning says to use idPrefix.)
  const { store, logLevel, logSerializers, ...options } = pluginOptions || {}
  if (store === undefined) {
    throw new TypeError('generic-session/fastify needs options.store: fastify.register(require(\'generic-session/fastify\'), { store, ...options })')
  }
  refuseCookiesObject(options, 'generic-session/fastify')
  const operations = operationsFor(store)
  const config = readOptions(options)
  return function genericSessionOnRequest (request, reply, next) {
    // Also on Node's request (request.raw), where code written for plain middleware (and the
    // package's types) look for it.
    request.session = request.raw.session = new Session(request, new ReplyHeaders(reply), store, operations, config)
    next()
  }
}

// The response the Session writes its cookie on: Fastify's reply rather than reply.raw. Fastify
// sends the headers set on the reply with writeHead, which takes precedence over any Set-Cookie set
// on reply.raw, so a cookie written there would vanish whenever anything else (@fastify/cookie's
// reply.setCookie, reply.header) sets a cookie. Through the reply, every value is kept.
class ReplyHeaders {
  constructor (reply) {
    this.reply = reply
  }

  // A hijacked reply (reply.hijack()) sends none of the reply's headers: the route writes
  // reply.raw itself, so a cookie the session writes after the hijack (regenerate(), destroy(), a
  // lazy session's first set) goes there, starting from what the reply held (the session's
  // cookie from before the hijack), or the client would keep a token regenerate() had revoked.
  getHeader (name) {
    if (!this.reply.sent) return this.reply.getHeader(name)
    const raw = this.reply.raw.getHeader(name)
    return raw !== undefined ? raw : this.reply.getHeader(name)
  }

  // Replaces the header: reply.header() would add to an existing Set-Cookie instead.
  setHeader (name, value) {
    if (this.reply.sent) return this.reply.raw.setHeader(name, value)
    this.reply.removeHeader(name)
    this.reply.header(name, value)
  }

  get headersSent () {
    return this.reply.raw.headersSent
  }
}

// The name lets other plugins declare `dependencies: ['generic-session']`.
module.exports = fp(genericSessionFastify, { name: 'generic-session', fastify: '5.x' })
