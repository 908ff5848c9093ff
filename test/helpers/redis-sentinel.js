'use strict'

// A Redis Sentinel deployment for the tests: a master, a replica of it, and three sentinels
// watching it (quorum 2, the master down after 1 s), every process on free loopback ports in
// temporary directories, stopped by remove(). With `certs` (test/helpers/redis-tls.js) everything
// speaks TLS: the sentinels only TLS, the master and replica TLS beside a plain port for the tests'
// own redis-cli, replication over TLS.

const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawn, execFileSync } = require('child_process')
const { startRedis, freePort, sleep } = require('./redis')
const { tlsArgs } = require('./redis-tls')

const NAME = 'sessions'

function cli (port, certs, ...args) {
  const tls = certs ? ['--tls', '--cacert', certs.file('ca.crt')] : []
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...tls, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim()
}

async function startSentinel (masterPort, certs) {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-sentinel-'))
  const conf = path.join(dir, 'sentinel.conf')
  const tls = certs
    ? ['port 0', `tls-port ${port}`, `tls-cert-file ${certs.file('server.crt')}`, `tls-key-file ${certs.file('server.key')}`,
        `tls-ca-cert-file ${certs.file('ca.crt')}`, 'tls-auth-clients no', 'tls-replication yes']
    : [`port ${port}`]
  fs.writeFileSync(conf, [
    ...tls, 'bind 127.0.0.1', 'protected-mode no', `dir ${dir}`,
    `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 2`,
    `sentinel down-after-milliseconds ${NAME} 1000`,
    `sentinel failover-timeout ${NAME} 5000`,
    `sentinel parallel-syncs ${NAME} 1`, ''
  ].join('\n'))
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    try {
      if (cli(port, certs, 'PING') === 'PONG') break
    } catch (_) {}
    await sleep(50)
  }
  return {
    port,
    url: `${certs ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    cli: (...args) => cli(port, certs, ...args),
    async remove () {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGKILL')
        await exited
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

async function startSentinels ({ certs } = {}) {
  // The port the others reach a server at: its TLS port with certs.
  const serve = async (extraArgs) => {
    if (!certs) return startRedis({ extraArgs })
    const tlsPort = await freePort()
    const server = await startRedis({ extraArgs: [...tlsArgs(certs, tlsPort), '--tls-replication', 'yes', ...extraArgs] })
    server.reachedAt = tlsPort
    return server
  }
  const master = await serve([])
  const masterPort = master.reachedAt || master.port
  const replica = await serve(['--replicaof', '127.0.0.1', String(masterPort)])
  for (let i = 0; i < 200 && !/master_link_status:up/.test(replica.cli('INFO', 'replication')); i++) await sleep(50)
  const sentinels = []
  for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(masterPort, certs))
  // Every sentinel knows the replica and the other sentinels before the test starts.
  for (let i = 0; i < 200; i++) {
    const ready = sentinels.every((s) => {
      const info = s.cli('SENTINEL', 'MASTER', NAME)
      return /num-other-sentinels\n2/.test(info) && /num-slaves\n1/.test(info)
    })
    if (ready) break
    await sleep(100)
  }
  return {
    name: NAME,
    master,
    replica,
    sentinels,
    urls: sentinels.map((s) => s.url),
    // The master's port as the first sentinel reports it now.
    masterPort: () => Number(sentinels[0].cli('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME).split('\n')[1]),
    remove: () => Promise.all([master.remove(), replica.remove(), ...sentinels.map((s) => s.remove())])
  }
}

module.exports = { startSentinels }
