'use strict'

// RedisStore over TLS (rediss://) against real redis-servers serving TLS with certificates this
// test makes (test/helpers/redis-tls.js): a private CA, a self-signed server, mutual TLS, and a
// Cluster over TLS.

const assert = require('assert')
const { execFileSync } = require('child_process')
const { RedisStore } = require('..')
const { api } = require('./helpers/store-promises')
const { describeWithRedis, startRedis, freePort, sleep } = require('./helpers/redis')
const { makeCertificates, tlsArgs } = require('./helpers/redis-tls')
const { startExample } = require('./helpers/example')
const { createClient } = require('./helpers/http')

const closeStore = (store) => new Promise((resolve) => store.close(resolve))

// The error of one `set`, and how long it took to come.
async function timedError (store) {
  const started = Date.now()
  const err = await api(store).errorOf('set', 'id', 'k', 'v', 60000)
  return { err, ms: Date.now() - started }
}

describeWithRedis('RedisStore over TLS', function () {
  this.timeout(30000)
  let certs
  const servers = []
  const stores = []
  const open = (options) => {
    const store = RedisStore(options)
    stores.push(store)
    return store
  }
  const serve = async (tlsOptions) => {
    const tlsPort = await freePort()
    const server = await startRedis({ extraArgs: tlsArgs(certs, tlsPort, tlsOptions) })
    servers.push(server)
    return { server, url: `rediss://localhost:${tlsPort}`, ipUrl: `rediss://127.0.0.1:${tlsPort}` }
  }

  before(() => { certs = makeCertificates() })
  after(() => certs.remove())
  afterEach(async () => {
    for (const store of stores.splice(0)) await closeStore(store)
    for (const server of servers.splice(0)) await server.remove()
  })

  it('writes and reads a session over TLS with a private CA (by host name and by IP address)', async () => {
    const { server, url, ipUrl } = await serve()
    for (const u of [url, ipUrl]) {
      const s = api(open({ url: u, tls: { ca: certs.ca } }))
      await s.set('over-tls', 'k', { u })
      assert.deepStrictEqual(await s.get('over-tls', 'k'), { u })
    }
    assert.strictEqual(server.cli('DBSIZE'), '1', 'the session is in the server')
  })

  it('takes the CA as a Buffer or an array too', async () => {
    const { url } = await serve()
    const s = api(open({ url, tls: { ca: [Buffer.from(certs.ca)] } }))
    await s.set('id', 'k', 1)
    assert.strictEqual(await s.get('id', 'k'), 1)
  })

  it('refuses a server whose certificate it cannot verify: an error naming the server, within commandTimeout', async () => {
    const { url } = await serve()
    // No CA given: the operating system's roots do not know the test CA.
    const { err, ms } = await timedError(open({ url, commandTimeout: 1000 }))
    assert.ok(err instanceof Error, 'the call fails')
    assert.ok(err.message.includes(url.replace('rediss://', '')), err.message)
    assert.match(err.message, /certificate|UnknownIssuer|invalid peer/i)
    assert.ok(ms < 1500, `within commandTimeout (took ${ms} ms)`)
  })

  it('a self-signed server: refused by default, accepted with rejectUnauthorized: false', async () => {
    const { url } = await serve({ self: true })
    const { err } = await timedError(open({ url, tls: { ca: certs.ca }, commandTimeout: 1000 }))
    assert.ok(err instanceof Error && /certificate|issuer|invalid peer/i.test(err.message), String(err))
    const s = api(open({ url, tls: { rejectUnauthorized: false } }))
    await s.set('self', 'k', 'v')
    assert.strictEqual(await s.get('self', 'k'), 'v')
  })

  it('mutual TLS: accepted with the client certificate, refused without it', async () => {
    const { url } = await serve({ clients: true })
    const s = api(open({ url, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } }))
    await s.set('mtls', 'k', 'v')
    assert.strictEqual(await s.get('mtls', 'k'), 'v')
    const { err, ms } = await timedError(open({ url, tls: { ca: certs.ca }, commandTimeout: 1000 }))
    assert.ok(err instanceof Error, 'without a client certificate the call fails')
    assert.ok(ms < 1500, `within commandTimeout (took ${ms} ms)`)
  })

  it('a password in a rediss:// URL never shows in an error', async () => {
    const { url } = await serve()
    const { err } = await timedError(open({ url: url.replace('rediss://', 'rediss://user:hunter2@'), tls: { ca: certs.ca }, commandTimeout: 1000 }))
    assert.ok(err instanceof Error)
    assert.ok(!err.message.includes('hunter2'), err.message)
  })

  it('examples/cluster.js takes a rediss:// REDIS_URL (with REDIS_CA, or REDIS_TLS_INSECURE for a self-signed server)', async () => {
    for (const [tlsOptions, env] of [[{}, { REDIS_CA: certs.file('ca.crt') }], [{ self: true }, { REDIS_TLS_INSECURE: '1' }]]) {
      const { server, url } = await serve(tlsOptions)
      const example = await startExample('cluster.js', { REDIS_URL: url, WORKERS: '1', SESSION_SECRET: 'tls secret', ...env })
      try {
        const client = createClient(example.url)
        assert.strictEqual((await client.get('/set/name/Ada')).body, 'Ada')
        assert.strictEqual((await client.get('/get/name')).body, 'Ada')
        assert.strictEqual(server.cli('DBSIZE'), '1', 'the session went over TLS to the server')
      } finally {
        await example.stop()
      }
    }
  })

  it('a Cluster over TLS: every node serves TLS, and sessions spread over them', async () => {
    const nodes = []
    for (let i = 0; i < 3; i++) {
      // The cluster bus runs on the TLS port + 10000 (as redis-cli --cluster create assumes).
      const port = await freePort()
      const tlsPort = await freePort({ withBusPort: true })
      nodes.push(await startRedis({
        port,
        extraArgs: [...tlsArgs(certs, tlsPort), '--tls-cluster', 'yes', '--cluster-port', String(tlsPort + 10000), '--cluster-enabled', 'yes',
          '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']
      }))
      nodes[i].tlsPort = tlsPort
      servers.push(nodes[i])
    }
    execFileSync('redis-cli', ['--tls', '--cacert', certs.file('ca.crt'), '--cluster', 'create',
      ...nodes.map((n) => `127.0.0.1:${n.tlsPort}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore', timeout: 20000 })
    for (let i = 0; i < 200 && !nodes.every((n) => /cluster_state:ok/.test(n.cli('CLUSTER', 'INFO'))); i++) await sleep(50)
    const s = api(open({ cluster: nodes.map((n) => `rediss://127.0.0.1:${n.tlsPort}`), tls: { ca: certs.ca } }))
    const ids = Array.from({ length: 30 }, (_, i) => 'tls-cluster-' + i)
    await Promise.all(ids.map((id, i) => s.set(id, 'k', i)))
    assert.deepStrictEqual(await Promise.all(ids.map((id) => s.get(id, 'k'))), ids.map((_, i) => i))
    const held = nodes.map((n) => Number(n.cli('DBSIZE')))
    assert.strictEqual(held.reduce((a, b) => a + b, 0), ids.length)
    assert.ok(held.every((n) => n > 0), `every node holds some sessions: ${held}`)
  })
})
