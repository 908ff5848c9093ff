// Types of `require('generic-session/express-store')`: the package's, without the `req.session`
// that index.d.ts adds to Node's requests, which would clash with express-session's own
// `req.session` on Express's Request.
import genericSession = require('./types/generic-session')
export = genericSession
