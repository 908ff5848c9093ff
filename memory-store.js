'use strict'

// `require('generic-session/memory-store')`, as the original's root memory-store.js.
module.exports = require('./lib/stores/memory')
