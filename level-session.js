'use strict'

// `require('generic-session/level-session')`: shaped like the level-session module, a function
// (location | options) -> filter, with .LevelStore.
module.exports = require('./lib/level-session')
