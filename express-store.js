'use strict'

// `require('generic-session/express-store')`: the package itself (genericSession.expressStore and
// the stores), under types that leave `req.session` to express-session's (express-store.d.ts).
module.exports = require('./index')
