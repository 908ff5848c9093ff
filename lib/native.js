'use strict'

// The compiled addon, through the loader napi-rs writes (binding.js: generated, not in git; in the
// packed package). It loads generic-session.<target>.node from the package folder or the package
// generic-session-<target>. When neither is there, say which platform and how to build one.

const { addonTarget } = require('../scripts/addon-target')

try {
  module.exports = require('../binding.js')
} catch (err) {
  err.message = `generic-session: the native addon for ${addonTarget()} could not be loaded (none ships prebuilt for this ` +
    'platform and none was built at install, or the file is damaged). Install Rust (https://rustup.rs), then run ' +
    '`npm rebuild generic-session` (or `npm run build` in a git checkout of it). ' + err.message
  throw err
}
