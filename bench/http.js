'use strict'

// HTTP benchmark: each contender in its own server process, loaded by autocannon from this
// process (10 connections). Per request the server reads `count` and stores count + 1.
//
// Modes: `reused`, 1000 sessions created first and reused round-robin; `new`, no cookie, so a
// new session every request. Each with unsigned and signed cookies. Results are ratios to bare
// node http measured in the same run, which is what survives a noisy machine.

const { fork } = require('child_process')
const path = require('path')
const autocannon = require('autocannon')
const contenders = require('./contenders')

const SESSIONS = 1000
const CONNECTIONS = 10

async function startServer (name, signed) {
  const child = fork(path.join(__dirname, 'server-process.js'), [name, signed ? '1' : '0'], { stdio: 'inherit' })
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)))
  })
  return { url: `http://127.0.0.1:${port}`, stop: () => { child.removeAllListeners('exit'); child.kill() } }
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

function load (url, seconds, cookies) {
  // A fixed request list, which each connection walks in turn: autocannon builds these buffers
  // once (a per-request setupRequest would make the client the bottleneck).
  const requests = cookies ? cookies.map((cookie) => ({ method: 'GET', headers: { cookie } })) : undefined
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: seconds, requests }, (err, result) => {
      if (err) return reject(err)
      if (result.non2xx || result.errors) return reject(new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`))
      resolve(result.requests.average)
    })
  })
}

// One measurement: req/s of `name` in `mode`.
async function measure (name, mode, signed, seconds) {
  const server = await startServer(name, signed)
  try {
    const cookies = mode === 'reused' ? await makeSessions(server.url, name, signed) : undefined
    await load(server.url, 1, cookies) // warm-up: JIT, connection pools
    return await load(server.url, seconds, cookies)
  } finally {
    server.stop()
  }
}

// Runs every contender in every mode; `only` limits the contenders by name.
async function runHttp ({ seconds = 5, rounds = 1, only = process.env.BENCH_ONLY && process.env.BENCH_ONLY.split(',') } = {}) {
  const names = Object.keys(contenders).filter((name) => !only || name === 'bare http' || only.some((o) => name.includes(o)))
  const rows = []
  for (const mode of ['reused', 'new']) {
    for (const signed of [false, true]) {
      const best = {}
      for (let round = 0; round < rounds; round++) {
        for (const name of names) {
          if (!contenders[name]({ signed })) continue
          const rps = await measure(name, mode, signed, seconds)
          best[name] = Math.max(best[name] || 0, rps)
        }
      }
      for (const name of Object.keys(best)) {
        rows.push({ mode, signed, name, rps: Math.round(best[name]), ratio: best[name] / best['bare http'] })
      }
    }
  }
  return rows
}

module.exports = { runHttp }

if (require.main === module) {
  runHttp({ seconds: Number(process.env.BENCH_SECONDS || 5), rounds: Number(process.env.BENCH_ROUNDS || 3) })
    .then((rows) => console.table(rows.map((row) => ({ ...row, ratio: row.ratio.toFixed(2) }))))
}
