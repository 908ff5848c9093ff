'use strict'

// `npm run bench`: the HTTP benchmark and the store benchmark in one run, printed as the
// Markdown tables bench/README.md carries. BENCH_SECONDS (per measurement, default 5) and
// BENCH_ROUNDS (best of, default 3) trade time for steadier figures. BENCH_ONLY (comma-separated
// parts of contender names) limits the run, e.g.
//   BENCH_ONLY='bare http,generic-session RedisStore,express-session + connect-redis' npm run bench
// The Redis rows run against a redis-server this script starts on a free loopback port (no
// persistence) and stops at the end; without redis-server they are skipped, loudly.

const os = require('os')
const { runHttp } = require('./http')
const { runStore } = require('./store')
const { startRedis } = require('./redis-server')

const seconds = Number(process.env.BENCH_SECONDS || 5)
const rounds = Number(process.env.BENCH_ROUNDS || 3)

function table (rows, columns) {
  const header = `| ${columns.map((c) => c.title).join(' | ')} |`
  const rule = `| ${columns.map((c) => (c.right ? '---:' : '---')).join(' | ')} |`
  return [header, rule, ...rows.map((row) => `| ${columns.map((c) => c.value(row)).join(' | ')} |`)].join('\n')
}

const micros = (value) => (value === undefined ? '' : value.toFixed(1))

async function main () {
  const redis = await startRedis()
  try {
    await bench(redis)
  } finally {
    if (redis) await redis.stop()
  }
}

async function bench (redis) {
  console.log(`Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0].model}), ${new Date().toISOString().slice(0, 10)}`)
  if (redis) console.log(`${redis.version.replace(/ sha=.*/, '')}, on 127.0.0.1:${redis.port} (--save '' --appendonly no)`)
  console.log(`HTTP: autocannon, 10 connections, ${seconds} s per measurement, best of ${rounds}\n`)
  const http = await runHttp({ seconds, rounds, redis })
  console.log(table(http, [
    { title: 'sessions', value: sessionsOf },
    { title: 'cookies', value: (r) => r.signed ? 'signed' : 'unsigned' },
    { title: 'server', value: (r) => r.name },
    { title: 'req/s', value: (r) => r.rps, right: true },
    { title: '× bare http', value: (r) => r.ratio.toFixed(2) + (r.mode === '2 processes' ? ' (× connect-redis)' : ''), right: true }
  ]))
  console.log('\nCPU time per request in the best round, µs: the server process, redis-server (Redis rows) and the client (autocannon)\n')
  console.log(table(http, [
    { title: 'sessions', value: sessionsOf },
    { title: 'cookies', value: (r) => r.signed ? 'signed' : 'unsigned' },
    { title: 'server', value: (r) => r.name },
    { title: 'server CPU', value: (r) => micros(r.serverCpu), right: true },
    { title: 'redis-server CPU', value: (r) => micros(r.redisCpu), right: true },
    { title: 'client CPU', value: (r) => micros(r.clientCpu), right: true }
  ]))
  printRedisTargets(http)
  console.log('\nStore API, in process, ops/s\n')
  const store = await runStore({ seconds: Math.max(1, seconds / 5), redis })
  if (store.length === 0) return console.log('(no store rows selected)')
  console.log(table(store, [
    { title: 'store', value: (r) => r.peer ? `${r.store} vs ${r.peer}` : r.store },
    { title: 'keys/session', value: (r) => r.keys, right: true },
    { title: 'in flight', value: (r) => r.inFlight, right: true },
    { title: 'op', value: (r) => r.op },
    { title: 'this package', value: (r) => r.native, right: true },
    { title: 'original or peer', value: (r) => r.original, right: true },
    { title: 'ratio', value: (r) => r.ratio.toFixed(1) + '×', right: true }
  ]))
}

const sessionsOf = (r) => ({ reused: '1000 reused', new: 'new per request' })[r.mode] || `1000 reused, ${r.mode}`

// RedisStore's targets with reused sessions (issue 12): at least 2× the requests per second of
// express-session + connect-redis and at most 0.5× its CPU per request, redis-server's counted,
// and (issue 4) at least 0.45 of bare http, in the same run.
function printRedisTargets (rows) {
  const find = (name, mode = 'reused') => rows.find((r) => r.mode === mode && r.signed && r.name === name)
  const ours = find('generic-session RedisStore')
  const peer = find('express-session + connect-redis')
  if (!ours) return
  console.log('\nRedisStore targets, 1000 reused sessions, signed cookies:')
  if (peer) {
    const ratio = ours.rps / peer.rps
    console.log(`- ${ratio.toFixed(2)}× express-session + connect-redis req/s (target ≥ 2): ${ratio >= 2 ? 'met' : 'NOT met'}`)
    const cpu = (ours.serverCpu + ours.redisCpu) / (peer.serverCpu + peer.redisCpu)
    console.log(`- ${cpu.toFixed(2)}× its CPU per request, server + redis-server (target ≤ 0.5): ${cpu <= 0.5 ? 'met' : 'NOT met'}`)
  }
  const two = find('generic-session RedisStore', '2 processes')
  const twoPeer = find('express-session + connect-redis', '2 processes')
  if (two && twoPeer) {
    const cpu = (two.serverCpu + two.redisCpu) / (twoPeer.serverCpu + twoPeer.redisCpu)
    console.log(`- two processes on one redis-server: ${(two.rps / twoPeer.rps).toFixed(2)}× req/s, ${cpu.toFixed(2)}× CPU`)
  }
  console.log(`- ${ours.ratio.toFixed(2)} of bare http (target ≥ 0.45): ${ours.ratio >= 0.45 ? 'met' : 'NOT met'}`)
  const unsigned = rows.find((r) => r.mode === 'reused' && !r.signed && r.name === 'generic-session RedisStore')
  if (unsigned) console.log(`- unsigned cookies: ${unsigned.ratio.toFixed(2)} of bare http`)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
