'use strict'

// npm's install step for this package.
//
// - Installed from a packed tarball (or the registry) with the addon for this platform inside, or
//   its per-platform package (generic-session-<target>) beside it: nothing to do, said nothing.
// - In a git checkout (development): always build, with napi-rs's CLI (a devDependency), which
//   also writes the loader binding.js and its types.
// - No addon for this platform: build it from the Rust sources the package carries, saying so
//   in one line, in a temporary target folder removed afterwards (a Rust build leaves ~300 MB).
//   Without cargo, one message saying how to get Rust.

const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawnSync } = require('child_process')
const { addonTarget, cargoLibraryName } = require('./addon-target')

const root = path.join(__dirname, '..')
const target = addonTarget()
const inCheckout = fs.existsSync(path.join(root, '.git'))

// Loaded in a child process: a damaged addon file can crash the process that loads it (SIGBUS
// on a truncated one), which must lead to a rebuild here, not end the install without a word.
function addonLoads () {
  const probe = `require(${JSON.stringify(path.join(root, 'binding.js'))})`
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore' }).status === 0
}

function hasCargo () {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0
}

function run (command, args, env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32' })
  if (result.status !== 0) process.exit(result.status || 1)
}

function buildInCheckout () {
  const napi = path.join(path.dirname(require.resolve('@napi-rs/cli/package.json', { paths: [root] })), 'dist', 'cli.js')
  run(process.execPath, [napi, 'build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts'])
}

function buildFromSource () {
  const targetDir = fs.mkdtempSync(path.join(os.tmpdir(), 'generic-session-build-'))
  try {
    run('cargo', ['build', '--release', '--locked', '--quiet'], { CARGO_TARGET_DIR: targetDir })
    const built = path.join(targetDir, 'release', cargoLibraryName('generic_session'))
    fs.copyFileSync(built, path.join(root, `generic-session.${target}.node`))
  } finally {
    fs.rmSync(targetDir, { recursive: true, force: true })
  }
}

function main () {
  if (!inCheckout && addonLoads()) return
  if (!hasCargo()) {
    console.error(`generic-session: no working prebuilt native addon for ${target} in this package (none for this platform, or a damaged one), and no Rust toolchain (cargo) to build one: ` +
      'install Rust from https://rustup.rs (curl --proto \'=https\' --tlsv1.2 -sSf https://sh.rustup.rs | sh), then run `npm rebuild generic-session`.')
    process.exit(1)
  }
  if (inCheckout) return buildInCheckout()
  console.error(`generic-session: no working prebuilt native addon for ${target} in this package; building it from source with cargo (a few minutes)...`)
  buildFromSource()
}

main()
