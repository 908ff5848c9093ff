// Types for generic-session/fastify: the plugin and its options, and `request.session` on
// Fastify's request, typed once this module is imported (an augmentation of FastifyRequest).
import type { FastifyPluginAsync } from 'fastify'
import genericSession = require('./types/generic-session')

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * This request's session (generic-session/fastify), in the context the plugin is registered
     * in and its children; elsewhere undefined. Its `request` is this FastifyRequest.
     */
    session: genericSession.Session
  }
}

declare namespace fastifySession {
  /** The store, and the session options (README, Options) but `cookies`. */
  interface Options extends Omit<genericSession.Options, 'store' | 'cookies'> {
    /** The store sessions live in: any Store API object. */
    store: genericSession.Store
    /** Not with Fastify: throws (a Cookies object belongs to one request; @fastify/cookie works beside the session cookie). */
    cookies?: never
  }
}

/**
 * The plugin: `fastify.register(plugin, { store, ...options })`. A bad store or option rejects
 * register() and ready(), naming it.
 */
// One name for the types (the namespace above) and the value, as require() gives it.
// eslint-disable-next-line @typescript-eslint/no-redeclare
declare const fastifySession: FastifyPluginAsync<fastifySession.Options>

export = fastifySession
