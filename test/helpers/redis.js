'use strict'

// Real Redis servers for the RedisStore tests: a standalone redis-server, or a 3-master Redis
// Cluster made with `redis-cli --cluster create`, each on free loopback ports in a temporary
// directory, stopped by the test that started it.
//
// Without redis-server on the PATH the Redis tests are skipped, loudly; under CI (CI set in the
// environment, as .ci/run does) they fail instead, so CI can never pass by skipping them.

const fs = require('fs')
const os = require('os')
const net = require('net')
const path = require('path')
const { spawn, execFileSync } = require('child_process')

const { setTimeout: sleep } = require('timers/promises')

function findExecutable (name) {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null
  } catch (_) {
    return null
  }
}

const REDIS_SERVER = findExecutable('redis-server')
const REDIS_CLI = findExecutable('redis-cli')
const HAVE_REDIS = Boolean(REDIS_SERVER && REDIS_CLI)

// describe(title, fn) when redis-server and redis-cli are here; otherwise a loud skip, or under CI
// a failing test that says what is missing.
function describeWithRedis (title, fn) {
  if (HAVE_REDIS) return describe(title, fn)
  if (process.env.CI) {
    return describe(title, () => {
      it('needs redis-server and redis-cli on the PATH (CI installs them: see .ci/run)', () => {
        throw new Error('redis-server / redis-cli not found: the Redis tests must run in CI')
      })
    })
  }
  console.warn(`\n  !!! SKIPPED "${title}": redis-server and redis-cli are not on the PATH.` +
    '\n  !!! Install them (apt-get install redis-server) to run the RedisStore tests.\n')
  return describe.skip(title, fn)
}

// A port nothing listens on now. A cluster node also needs port + 10000 (its bus port) free.
async function freePort ({ withBusPort = false } = {}) {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const probe = net.createServer()
      probe.once('error', reject)
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address()
        probe.close(() => resolve(port))
      })
    })
    if (!withBusPort) return port
    if (port + 10000 < 65536 && await isFree(port + 10000)) return port
  }
}

function isFree (port) {
  return new Promise((resolve) => {
    const probe = net.createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

function cli (port, ...args) {
  return execFileSync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
}

// One redis-server process. start() resolves once it answers PING; stop() kills it; pause() and
// resume() stop and continue it (SIGSTOP/SIGCONT) to play a server that hangs.
class RedisServer {
  constructor ({ port, extraArgs = [] } = {}) {
    this.port = port
    this.extraArgs = extraArgs
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-redis-'))
    this.child = null
  }

  get url () {
    return `redis://127.0.0.1:${this.port}`
  }

  async start () {
    if (!this.port) this.port = await freePort()
    this.output = ''
    this.child = spawn(REDIS_SERVER, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--save', '', '--appendonly', 'no', '--protected-mode', 'no', ...this.extraArgs
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child.stdout.on('data', (chunk) => { this.output += chunk })
    this.child.stderr.on('data', (chunk) => { this.output += chunk })
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    for (let i = 0; i < 100; i++) {
      if (this.child.exitCode !== null) break
      try {
        if (cli(this.port, 'PING') === 'PONG') return this
      } catch (_) {}
      await Promise.race([sleep(50), exited])
    }
    throw new Error(`redis-server on port ${this.port} did not start: ${this.output}`)
  }

  async stop () {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.kill('SIGCONT')
    this.child.kill('SIGKILL')
    await exited
  }

  pause () {
    this.child.kill('SIGSTOP')
  }

  resume () {
    this.child.kill('SIGCONT')
  }

  cli (...args) {
    return cli(this.port, ...args)
  }

  async remove () {
    await this.stop()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

async function startRedis (options) {
  return new RedisServer(options).start()
}

// Three masters, no replicas, every slot assigned and the cluster state ok on every node.
async function startCluster () {
  const nodes = []
  for (let i = 0; i < 3; i++) {
    const port = await freePort({ withBusPort: true })
    nodes.push(await startRedis({
      port,
      extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']
    }))
  }
  execFileSync(REDIS_CLI, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
    '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' })
  for (let i = 0; i < 200; i++) {
    if (nodes.every((n) => /cluster_state:ok/.test(n.cli('CLUSTER', 'INFO')))) {
      return {
        nodes,
        urls: nodes.map((n) => n.url),
        // The node that serves `key` (CLUSTER KEYSLOT, then the slot ranges of CLUSTER SHARDS).
        nodeFor (key) {
          const slot = Number(nodes[0].cli('CLUSTER', 'KEYSLOT', key))
          return nodes.find((n) => n.cli('CLUSTER', 'COUNTKEYSINSLOT', String(slot)) !== '0') || null
        },
        remove: () => Promise.all(nodes.map((n) => n.remove()))
      }
    }
    await sleep(50)
  }
  await Promise.all(nodes.map((n) => n.remove()))
  throw new Error('the Redis cluster did not reach cluster_state:ok')
}

module.exports = { HAVE_REDIS, describeWithRedis, startRedis, startCluster, freePort, RedisServer, sleep }
