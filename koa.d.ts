// Types for generic-session/koa: the middleware, and `ctx.session` on Koa's context, typed once
// this module is imported (an augmentation of @types/koa's DefaultContext, the interface it keeps
// for additions to every context).
import type { Middleware } from 'koa'
import genericSession = require('./types/generic-session')

declare module 'koa' {
  interface DefaultContext {
    /**
     * This request's session (generic-session/koa). Its `request` is Koa's `ctx.request`, its
     * `response` Node's `ctx.res`.
     */
    session: genericSession.Session
  }
}

declare namespace koaSession {
  /** The session options (README, Options), but `cookies`: a Cookies object belongs to one request. */
  interface Options extends Omit<genericSession.Options, 'cookies'> {
    /** Not with Koa: throws (ctx.cookies already works beside the session cookie). */
    cookies?: never
  }
}

/**
 * Koa middleware giving every request `ctx.session`, then awaiting the rest of the chain. A bad
 * store or option throws here, naming it.
 */
declare function koaSession (store: genericSession.Store, options?: koaSession.Options): Middleware

export = koaSession
