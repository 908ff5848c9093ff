'use strict'

// A private redis-server for one benchmark run: started on a free loopback port with no
// persistence (`--save '' --appendonly no`), emptied between measurements, stopped at the end.
// startRedis() resolves to null when redis-server is not installed (the Redis rows are skipped).

const { spawn, spawnSync } = require('child_process')
const net = require('net')
const { setTimeout: sleep } = require('timers/promises')

const REDIS_SERVER = process.env.REDIS_SERVER || 'redis-server'

function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

// Sends one command and resolves to its raw reply (enough for +OK, integers and INFO's bulk).
function command (port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let reply = ''
    socket.setEncoding('utf8')
    socket.once('error', reject)
    socket.on('data', (chunk) => {
      reply += chunk
      const bulk = /^\$(\d+)\r\n/.exec(reply)
      const done = bulk ? Buffer.byteLength(reply) >= bulk[0].length + Number(bulk[1]) + 2 : reply.endsWith('\r\n')
      if (!done) return
      socket.end()
      if (reply[0] === '-') reject(new Error(`redis ${args[0]}: ${reply.trim()}`))
      else resolve(reply)
    })
    socket.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''))
  })
}

async function startRedis () {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) return null
  const port = await freePort()
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'ignore', 'inherit'] })
  let exited = false
  child.once('exit', () => { exited = true })
  process.once('exit', () => exited || child.kill())
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await command(port, 'PING')).startsWith('+PONG')) break
    } catch (err) {
      if (exited || attempt > 100) throw new Error(`redis-server did not start on port ${port}: ${err.message}`)
      await sleep(50)
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    version: probe.stdout.trim(),
    pid: child.pid,
    flushAll: () => command(port, 'FLUSHALL'),
    // redis-server's CPU time so far, in microseconds (user + system, from INFO cpu).
    cpuMicros: async () => {
      const info = await command(port, 'INFO', 'cpu')
      const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)[1])
      return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6
    },
    stop: () => new Promise((resolve) => {
      if (exited) return resolve()
      child.once('exit', () => resolve())
      child.kill()
    })
  }
}

// Printed, to stdout and stderr, when the Redis rows cannot run.
const SKIPPED = '!!! redis-server not found (set REDIS_SERVER or install it): the Redis rows ' +
  '(generic-session RedisStore, express-session + connect-redis, RedisStore store rows) were SKIPPED !!!'

module.exports = { startRedis, SKIPPED }
