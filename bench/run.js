'use strict'

// `npm run bench`: the HTTP benchmark and the store benchmark in one run, printed as the
// Markdown tables bench/README.md carries. BENCH_SECONDS (per measurement, default 5) and
// BENCH_ROUNDS (best of, default 3) trade time for steadier figures.

const os = require('os')
const { runHttp } = require('./http')
const { runStore } = require('./store')

const seconds = Number(process.env.BENCH_SECONDS || 5)
const rounds = Number(process.env.BENCH_ROUNDS || 3)

function table (rows, columns) {
  const header = `| ${columns.map((c) => c.title).join(' | ')} |`
  const rule = `| ${columns.map((c) => (c.right ? '---:' : '---')).join(' | ')} |`
  return [header, rule, ...rows.map((row) => `| ${columns.map((c) => c.value(row)).join(' | ')} |`)].join('\n')
}

async function main () {
  console.log(`Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0].model}), ${new Date().toISOString().slice(0, 10)}`)
  console.log(`HTTP: autocannon, 10 connections, ${seconds} s per measurement, best of ${rounds}\n`)
  const http = await runHttp({ seconds, rounds })
  console.log(table(http, [
    { title: 'sessions', value: (r) => r.mode === 'reused' ? '1000 reused' : 'new per request' },
    { title: 'cookies', value: (r) => r.signed ? 'signed' : 'unsigned' },
    { title: 'server', value: (r) => r.name },
    { title: 'req/s', value: (r) => r.rps, right: true },
    { title: '× bare http', value: (r) => r.ratio.toFixed(2), right: true }
  ]))
  console.log('\nStore API, in process, ops/s\n')
  const store = await runStore({ seconds: Math.max(1, seconds / 5) })
  console.log(table(store, [
    { title: 'store', value: (r) => r.store },
    { title: 'keys/session', value: (r) => r.keys, right: true },
    { title: 'in flight', value: (r) => r.inFlight, right: true },
    { title: 'op', value: (r) => r.op },
    { title: 'this package', value: (r) => r.native, right: true },
    { title: 'original', value: (r) => r.original, right: true },
    { title: 'ratio', value: (r) => r.ratio.toFixed(1) + '×', right: true }
  ]))
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
