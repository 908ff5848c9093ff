'use strict'

// The compiled addon, through the loader `napi build` writes (binding.js, generated, not in git).
// A missing build is the one failure users hit on a fresh clone, so say how to fix it.
try {
  module.exports = require('../binding.js')
} catch (err) {
  err.message = 'generic-session: the native addon is not built (run `npm install` or `npm run build` ' +
    'in the package folder; it needs cargo). ' + err.message
  throw err
}
