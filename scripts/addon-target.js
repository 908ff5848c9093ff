'use strict'

// The platform name napi-rs gives the addon built for this machine (`linux-x64-gnu`,
// `darwin-arm64`, `win32-x64-msvc`, ...): binding.js loads `generic-session.<name>.node` from
// the package folder, or the package `generic-session-<name>`.

const fs = require('fs')

function isMusl () {
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl')
  } catch (_) {
    const report = process.report && process.report.getReport()
    return Boolean(report && report.header && !report.header.glibcVersionRuntime)
  }
}

function addonTarget () {
  const { platform, arch } = process
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

// What cargo names the library it builds, per platform.
function cargoLibraryName (crate) {
  if (process.platform === 'win32') return `${crate}.dll`
  if (process.platform === 'darwin') return `lib${crate}.dylib`
  return `lib${crate}.so`
}

module.exports = { addonTarget, cargoLibraryName }
