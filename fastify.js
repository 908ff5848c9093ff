'use strict'

// `require('generic-session/fastify')`: a Fastify plugin (lib/frameworks/fastify.js).
module.exports = require('./lib/frameworks/fastify')
