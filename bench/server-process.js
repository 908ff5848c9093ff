'use strict'

// One benchmark server in its own process: `node server-process.js <contender> <signed 0|1>`.
// Listens on a free loopback port once the contender is ready (its factory may return a promise,
// e.g. while a Redis client connects) and reports the port to the parent over IPC. Answers
// { cpu: true } with its CPU time so far (process.cpuUsage()).

const http = require('http')
const contenders = require('./contenders')

const [name, signed] = process.argv.slice(2)

async function main () {
  const handler = await contenders[name]({ signed: signed === '1' })
  const server = http.createServer(handler)
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
}

process.on('message', (message) => {
  if (message && message.cpu) process.send({ cpu: process.cpuUsage() })
})
process.on('disconnect', () => process.exit(0))
// Exit (running 'exit' handlers, which remove temporary databases) when the runner stops us.
process.on('SIGTERM', () => process.exit(0))

main().catch((err) => {
  console.error(`${name}:`, err)
  process.exit(1)
})
