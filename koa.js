'use strict'

// `require('generic-session/koa')`: Koa middleware (lib/frameworks/koa.js).
module.exports = require('./lib/frameworks/koa')
