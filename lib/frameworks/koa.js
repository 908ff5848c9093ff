'use strict'

// require('generic-session/koa'): koaSession(store[, options]) -> Koa middleware setting
// ctx.session, then awaiting the rest of the chain. Store and options are checked here, once.
//
// The Session reads Koa's ctx.request rather than ctx.req: its `protocol` follows app.proxy, so
// secure: 'auto' marks the cookie Secure behind a TLS proxy exactly when Koa itself calls the
// request https. Cookies go out on ctx.res, where Koa's ctx.cookies writes too: each keeps the
// other's Set-Cookie values.

const { readOptions } = require('../options')
const { operationsFor } = require('../store-contract')
const { Session } = require('../session')
const { refuseCookiesObject, refuseStoreOption } = require('./options')

function koaSession (store, options) {
  refuseCookiesObject(options, 'generic-session/koa')
  refuseStoreOption(options, 'koaSession(store, options)')
  const operations = operationsFor(store)
  const config = readOptions(options)
  return function genericSessionKoa (ctx, next) {
    // Also on Node's request, where code written for plain middleware (and the package's types)
    // look for it.
    ctx.session = ctx.req.session = new Session(ctx.request, ctx.res, store, operations, config)
    // Returned, not dropped: Koa waits for the downstream middleware through this promise, and
    // their errors reach its error handling through it.
    return next()
  }
}

module.exports = koaSession
