'use strict'

// Many processes, one set of sessions: Node's cluster module runs WORKERS workers (one per core by
// default) behind one port, and every worker keeps its sessions in Redis, so any worker (and any
// other machine pointed at the same Redis) serves any session.
//   REDIS_URL=redis://127.0.0.1:6379 PORT=8080 node examples/cluster.js
//   REDIS_CLUSTER=redis://10.0.0.1:7000,redis://10.0.0.2:7000 for a Redis Cluster.
//   rediss:// URLs in either for TLS; REDIS_CA=/path/to/ca.pem to trust a private CA, and
//   REDIS_TLS_INSECURE=1 for a self-signed server (Heroku's REDIS_URL on its mini plans).
// Each answer names the worker that served it (X-Worker), to show sessions moving between them.
const cluster = require('cluster')
const http = require('http')
const os = require('os')
const genericSession = require('../')

const workers = Number(process.env.WORKERS || os.availableParallelism())
const port = Number(process.env.PORT || 8080)

if (cluster.isPrimary) {
  let stopping = false
  for (let i = 0; i < workers; i++) cluster.fork()
  // A worker that dies is replaced; its sessions were never its own, so nobody is logged out.
  cluster.on('exit', () => { if (!stopping) cluster.fork() })
  const stop = () => {
    stopping = true
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM')
    cluster.disconnect(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} else {
  const urls = process.env.REDIS_CLUSTER ? process.env.REDIS_CLUSTER.split(',') : [process.env.REDIS_URL || 'redis://127.0.0.1:6379']
  const tls = urls.every((url) => url.startsWith('rediss://'))
    ? { ...(process.env.REDIS_CA && { ca: require('fs').readFileSync(process.env.REDIS_CA) }), ...(process.env.REDIS_TLS_INSECURE && { rejectUnauthorized: false }) }
    : undefined
  const store = process.env.REDIS_CLUSTER
    ? genericSession.RedisStore({ cluster: urls, tls })
    : genericSession.RedisStore({ url: urls[0], tls })
  const sessions = genericSession.middleware(store, { keys: [process.env.SESSION_SECRET || 'replace me with a secret'] })

  const server = http.createServer((req, res) => sessions(req, res, () => {
    const reply = (err, value) => {
      res.setHeader('X-Worker', String(process.pid))
      res.writeHead(err ? 500 : 200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(err ? { error: err.message } : value === undefined ? null : value))
    }
    let m
    if ((m = req.url.match(/^\/set\/([^/]+)\/(.+)$/))) return req.session.set(m[1], m[2], (err) => reply(err, m[2]))
    if ((m = req.url.match(/^\/get\/(.+)$/))) return req.session.get(m[1], reply)
    if (req.url === '/') return req.session.getAll(reply)
    reply(null, 'try /set/name/value, /get/name or /')
  }))
  server.listen(port, '127.0.0.1', () => {
    console.log(`worker ${process.pid} listening on http://127.0.0.1:${server.address().port}`)
  })
  process.on('SIGTERM', () => server.close(() => store.close(() => process.exit(0))))
}
