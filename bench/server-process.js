'use strict'

// One benchmark server in its own process: `node server-process.js <contender> <signed 0|1>`.
// Listens on a free loopback port and reports it to the parent over IPC.

const http = require('http')
const contenders = require('./contenders')

const [name, signed] = process.argv.slice(2)
const handler = contenders[name]({ signed: signed === '1' })
const server = http.createServer(handler)
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('disconnect', () => process.exit(0))
// Exit (running 'exit' handlers, which remove temporary databases) when the runner stops us.
process.on('SIGTERM', () => process.exit(0))
