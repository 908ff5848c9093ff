'use strict'

// A Redis Sentinel deployment for the tests: a master, a replica of it, and three sentinels
// watching it (quorum 2, the master down after 1 s), every process on free loopback ports in
// temporary directories, stopped by remove().

const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawn, execFileSync } = require('child_process')
const { startRedis, freePort, sleep } = require('./redis')

const NAME = 'sessions'

function cli (port, ...args) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim()
}

async function startSentinel (masterPort) {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-sentinel-'))
  const conf = path.join(dir, 'sentinel.conf')
  fs.writeFileSync(conf, [
    `port ${port}`, 'bind 127.0.0.1', 'protected-mode no', `dir ${dir}`,
    `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 2`,
    `sentinel down-after-milliseconds ${NAME} 1000`,
    `sentinel failover-timeout ${NAME} 5000`,
    `sentinel parallel-syncs ${NAME} 1`, ''
  ].join('\n'))
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    try {
      if (cli(port, 'PING') === 'PONG') break
    } catch (_) {}
    await sleep(50)
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cli: (...args) => cli(port, ...args),
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

async function startSentinels () {
  const master = await startRedis()
  const replica = await startRedis({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] })
  for (let i = 0; i < 200 && !/master_link_status:up/.test(replica.cli('INFO', 'replication')); i++) await sleep(50)
  const sentinels = []
  for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(master.port))
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
