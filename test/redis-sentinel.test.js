'use strict'

// RedisStore with Sentinel, against a real deployment (test/helpers/redis-sentinel.js): sessions
// written, the master killed with kill -9, the store finds the new master by itself.

const assert = require('assert')
const { RedisStore } = require('..')
const { api } = require('./helpers/store-promises')
const { describeWithRedis, sleep } = require('./helpers/redis')
const { startSentinels } = require('./helpers/redis-sentinel')
const { makeCertificates } = require('./helpers/redis-tls')

const COMMAND_TIMEOUT = 1000

describeWithRedis('RedisStore with Sentinel', function () {
  this.timeout(60000)
  let deployment, store

  before(async () => { deployment = await startSentinels() })
  after(async () => {
    if (store) await new Promise((resolve) => store.close(resolve))
    await deployment.remove()
  })

  it('writes to the master the sentinels name, and finds the new one after the master is killed', async () => {
    store = RedisStore({ sentinel: { name: deployment.name, nodes: deployment.urls }, commandTimeout: COMMAND_TIMEOUT })
    assert.deepStrictEqual(store.sentinel, { name: deployment.name, nodes: deployment.urls })
    const s = api(store)
    const ids = Array.from({ length: 100 }, (_, i) => 'before-' + i)
    await Promise.all(ids.map((id, i) => s.set(id, 'n', i)))
    assert.strictEqual(deployment.master.cli('DBSIZE'), '100', 'written to the master')
    for (let i = 0; i < 100 && deployment.replica.cli('DBSIZE') !== '100'; i++) await sleep(50)
    assert.strictEqual(deployment.replica.cli('DBSIZE'), '100', 'and replicated')
    const oldMaster = deployment.master.port

    await deployment.master.stop() // SIGKILL
    const killed = Date.now()
    let slowest = 0
    let failures = 0
    let wroteAt = null
    for (let attempt = 0; attempt < 200 && Date.now() - killed < 20000; attempt++) {
      const started = Date.now()
      const err = await s.errorOf('set', 'after', 'n', attempt, 60000)
      slowest = Math.max(slowest, Date.now() - started)
      if (!err) {
        wroteAt = Date.now()
        break
      }
      failures++
      await sleep(100)
    }
    assert.ok(wroteAt !== null, `wrote again within 20 s of the kill (${failures} calls failed meanwhile)`)
    assert.ok(slowest < COMMAND_TIMEOUT + 500, `every call answered within commandTimeout (slowest ${slowest} ms)`)
    assert.notStrictEqual(deployment.masterPort(), oldMaster, 'the sentinels promoted the replica')
    assert.deepStrictEqual(await Promise.all(ids.map((id) => s.get(id, 'n'))), ids.map((_, i) => i), 'every session written before the kill reads back')
    assert.strictEqual(await s.get('after', 'n') !== undefined, true)
    assert.strictEqual(deployment.replica.cli('HEXISTS', '{after}', 'n'), '1', 'the write went to the new master')
  })

  it('an unknown master name fails each call with an error, within commandTimeout', async () => {
    const other = RedisStore({ sentinel: { name: 'no-such-master', nodes: deployment.urls }, commandTimeout: COMMAND_TIMEOUT })
    const started = Date.now()
    const err = await api(other).errorOf('get', 'id', 'k', 60000)
    const ms = Date.now() - started
    await new Promise((resolve) => other.close(resolve))
    assert.ok(err instanceof Error, 'the call fails')
    assert.match(err.message, /sentinel master no-such-master/)
    assert.ok(ms < COMMAND_TIMEOUT + 500, `within commandTimeout (took ${ms} ms)`)
  })
})

describeWithRedis('RedisStore with Sentinel over TLS', function () {
  this.timeout(60000)
  let certs, deployment

  before(async () => {
    certs = makeCertificates()
    deployment = await startSentinels({ certs })
  })
  after(async () => {
    await deployment.remove()
    certs.remove()
  })

  it('finds the master through rediss:// sentinels and writes to it over TLS, with the same tls options', async () => {
    const store = RedisStore({ sentinel: { name: deployment.name, nodes: deployment.urls }, tls: { ca: certs.ca }, commandTimeout: COMMAND_TIMEOUT })
    try {
      const s = api(store)
      const ids = Array.from({ length: 20 }, (_, i) => 'tls-' + i)
      await Promise.all(ids.map((id, i) => s.set(id, 'n', i)))
      assert.deepStrictEqual(await Promise.all(ids.map((id) => s.get(id, 'n'))), ids.map((_, i) => i))
      assert.strictEqual(deployment.master.cli('DBSIZE'), '20', 'the sessions are in the master')
    } finally {
      await new Promise((resolve) => store.close(resolve))
    }
    // Without the CA neither the sentinels nor the master can be verified: each call fails.
    const refused = RedisStore({ sentinel: { name: deployment.name, nodes: deployment.urls }, commandTimeout: COMMAND_TIMEOUT })
    const err = await api(refused).errorOf('get', 'tls-0', 'n', 60000)
    await new Promise((resolve) => refused.close(resolve))
    assert.ok(err instanceof Error, 'refused without the CA')
  })
})
