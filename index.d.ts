// Types of `require('generic-session')`: those of types/generic-session.d.ts, and `session` on
// Node's IncomingMessage and ServerResponse, where the middleware puts it (`req.session`,
// `res.session`), so on Express's Request and Response too, which extend them. With
// express-session's types in the same program, which put their own `session` on Express's
// Request, import `generic-session/express-store` instead: the same module without this.
import genericSession = require('./types/generic-session')

declare module 'http' {
  interface IncomingMessage {
    /** This request's session, set by `genericSession.middleware` and the Koa and Fastify adapters (not by `genericSession(req, res, store)`). */
    session: genericSession.Session
  }
  interface ServerResponse {
    /** The same session as `req.session`, set by `genericSession.middleware`. */
    session: genericSession.Session
  }
}

export = genericSession
