'use strict'

// HTTP benchmark: each contender in its own server process, loaded by autocannon from this
// process (10 connections). Per request the server reads `count` and stores count + 1.
//
// Modes: `reused`, 1000 sessions created first and reused round-robin; `new`, no cookie, so a
// new session every request. Each with unsigned and signed cookies. Then, for the Redis
// contenders, `2 processes`: two server processes on one redis-server (one prefix), each loaded
// by its own autocannon (5 connections each) walking the same 1000 signed sessions, so every
// session moves between the processes; CPU counts both servers. Results are ratios to bare
// node http measured in the same run, which is what survives a noisy machine.
//
// Redis contenders use the runner's own redis-server (bench/redis-server.js), passed to the
// server processes as REDIS_URL and emptied (FLUSHALL) before every measurement. Each row also
// carries CPU time per request in its best round: the server process's, redis-server's (Redis
// contenders only) and this process's (the client, autocannon).

const { fork } = require('child_process')
const path = require('path')
const autocannon = require('autocannon')
const contenders = require('./contenders')
const { startRedis, SKIPPED } = require('./redis-server')

const SESSIONS = 1000
const CONNECTIONS = 10

async function startServer (name, signed, redis, extraEnv = {}) {
  const env = { ...process.env, ...(redis ? { REDIS_URL: redis.url } : {}), ...extraEnv }
  const child = fork(path.join(__dirname, 'server-process.js'), [name, signed ? '1' : '0'], { stdio: 'inherit', env })
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)))
  })
  // The server process's CPU time so far, in microseconds.
  const cpuMicros = () => new Promise((resolve) => {
    child.once('message', ({ cpu }) => resolve(cpu.user + cpu.system))
    child.send({ cpu: true })
  })
  return { url: `http://127.0.0.1:${port}`, cpuMicros, stop: () => { child.removeAllListeners('exit'); child.kill() } }
}

// Makes SESSIONS sessions (each one request without a cookie) and returns their Cookie headers.
// Bare http sets no cookie: it gets headers of the same shape, so every server parses as much.
async function makeSessions (url, name, signed) {
  const cookies = []
  if (name.startsWith('bare http')) {
    const { randomBytes } = require('crypto')
    for (let i = 0; i < SESSIONS; i++) {
      const token = randomBytes(30).toString('base64')
      cookies.push(signed ? `s=${token}; s.sig=${randomBytes(20).toString('base64url')}` : `s=${token}`)
    }
    return cookies
  }
  for (let i = 0; i < SESSIONS; i++) {
    const res = await fetch(url)
    await res.text()
    cookies.push(res.headers.getSetCookie().map((line) => line.split(';')[0]).join('; '))
  }
  return cookies
}

function load (url, seconds, cookies, connections = CONNECTIONS) {
  // A fixed request list, which each connection walks in turn: autocannon builds these buffers
  // once (a per-request setupRequest would make the client the bottleneck).
  const requests = cookies ? cookies.map((cookie) => ({ method: 'GET', headers: { cookie } })) : undefined
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, requests }, (err, result) => {
      if (err) return reject(err)
      if (result.non2xx || result.errors) return reject(new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`))
      resolve({ rps: result.requests.average, total: result.requests.total })
    })
  })
}

// One measurement: req/s of `name` in `mode`, and CPU microseconds per request (server, redis).
async function measure (name, mode, signed, seconds, redis) {
  if (redis) await redis.flushAll()
  const server = await startServer(name, signed, redis)
  try {
    const cookies = mode === 'reused' ? await makeSessions(server.url, name, signed) : undefined
    await load(server.url, 1, cookies) // warm-up: JIT, connection pools
    const cpu = async () => [await server.cpuMicros(), redis ? await redis.cpuMicros() : 0, clientMicros()]
    const before = await cpu()
    const { rps, total } = await load(server.url, seconds, cookies)
    const after = await cpu()
    const [serverCpu, redisCpu, clientCpu] = after.map((value, i) => (value - before[i]) / total)
    return { rps, serverCpu, redisCpu, clientCpu }
  } finally {
    server.stop()
  }
}

// Two server processes of `name` sharing one redis-server and one set of signed sessions.
async function measureTwo (name, seconds, redis) {
  await redis.flushAll()
  const env = { BENCH_PREFIX: 'shared' }
  const servers = await Promise.all([startServer(name, true, redis, env), startServer(name, true, redis, env)])
  try {
    const cookies = await makeSessions(servers[0].url, name, true)
    const both = (seconds, connections) => Promise.all(servers.map((server) => load(server.url, seconds, cookies, connections)))
    await both(1, CONNECTIONS / 2)
    const cpu = async () => [await servers[0].cpuMicros() + await servers[1].cpuMicros(), await redis.cpuMicros(), clientMicros()]
    const before = await cpu()
    const results = await both(seconds, CONNECTIONS / 2)
    const after = await cpu()
    const total = results[0].total + results[1].total
    const [serverCpu, redisCpu, clientCpu] = after.map((value, i) => (value - before[i]) / total)
    return { rps: results[0].rps + results[1].rps, serverCpu, redisCpu, clientCpu }
  } finally {
    servers.forEach((server) => server.stop())
  }
}

// This process's CPU time so far (autocannon's, mostly), in microseconds.
function clientMicros () {
  const { user, system } = process.cpuUsage()
  return user + system
}

function parseOnly (value = process.env.BENCH_ONLY) {
  return value ? value.split(',').map((o) => o.trim()).filter(Boolean) : undefined
}

// Runs every contender in every mode; `only` (BENCH_ONLY, comma-separated) limits the contenders
// to those whose name contains one of its parts (bare http, the reference, always runs). `redis`
// is a started redis-server (bench/redis-server.js); without one the Redis contenders are skipped.
async function runHttp ({ seconds = 5, rounds = 1, only = parseOnly(), redis } = {}) {
  let names = Object.keys(contenders).filter((name) => !only || name === 'bare http' || only.some((o) => name.includes(o)))
  if (!redis && names.some((name) => contenders[name].needsRedis)) {
    console.log(SKIPPED)
    console.error(SKIPPED)
    names = names.filter((name) => !contenders[name].needsRedis)
  }
  const rows = []
  for (const mode of ['reused', 'new']) {
    for (const signed of [false, true]) {
      const best = {}
      for (let round = 0; round < rounds; round++) {
        for (const name of names) {
          if (!signed && contenders[name].signedOnly) continue
          const result = await measure(name, mode, signed, seconds, contenders[name].needsRedis ? redis : undefined)
          if (!best[name] || result.rps > best[name].rps) best[name] = result
        }
      }
      for (const name of Object.keys(best)) {
        const { rps, serverCpu, redisCpu, clientCpu } = best[name]
        rows.push({
          mode,
          signed,
          name,
          rps: Math.round(rps),
          ratio: rps / best['bare http'].rps,
          serverCpu,
          redisCpu: contenders[name].needsRedis ? redisCpu : undefined,
          clientCpu
        })
      }
    }
  }
  const shared = names.filter((name) => contenders[name].needsRedis)
  if (redis && shared.length > 0) {
    const best = {}
    for (let round = 0; round < rounds; round++) {
      for (const name of shared) {
        const result = await measureTwo(name, seconds, redis)
        if (!best[name] || result.rps > best[name].rps) best[name] = result
      }
    }
    const reference = best['express-session + connect-redis']
    for (const name of Object.keys(best)) {
      const { rps, serverCpu, redisCpu, clientCpu } = best[name]
      // The ratio here is to express-session + connect-redis (bare http has no shared state).
      rows.push({ mode: '2 processes', signed: true, name, rps: Math.round(rps), ratio: reference ? rps / reference.rps : NaN, serverCpu, redisCpu, clientCpu })
    }
  }
  return rows
}

module.exports = { runHttp, parseOnly }

if (require.main === module) {
  (async () => {
    const redis = await startRedis()
    try {
      const rows = await runHttp({ seconds: Number(process.env.BENCH_SECONDS || 5), rounds: Number(process.env.BENCH_ROUNDS || 3), redis })
      console.table(rows.map((row) => ({ ...row, ratio: row.ratio.toFixed(2) })))
    } finally {
      if (redis) await redis.stop()
    }
  })().catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
}
