'use strict'

// genericSession.metrics(): the lifecycle counters, store errors and store call durations, over
// real HTTP; and its Prometheus text, read back by a strict reader of the format
// (test/helpers/prometheus.js), which is shown to refuse what the format does not allow.

const assert = require('assert')
const crypto = require('crypto')
const genericSession = require('..')
const { render } = require('../lib/prometheus-text')
const { DURATION_BUCKETS } = require('../lib/metrics')
const { startServer, createClient, rawGet } = require('./helpers/http')
const { sessionApp, sleep } = require('./helpers/session-app')
const { tempDir, removeDir, closeStore } = require('./helpers/level')
const { parsePrometheus } = require('./helpers/prometheus')

const { MemoryStore, LevelStore, metrics } = genericSession

// What changed between two snapshots, in the counters `paths` name ('created', 'rejected.malformed').
function delta (before, after, paths) {
  const at = (snapshot, path) => path.split('.').reduce((o, k) => (o === undefined ? undefined : o[k]), snapshot) || 0
  return Object.fromEntries(paths.map((path) => [path, at(after, path) - at(before, path)]))
}

function callsOf (snapshot, store, operation) {
  return snapshot.storeCalls.find((s) => s.store === store && s.operation === operation) || { calls: 0, errors: 0, seconds: 0 }
}

describe('genericSession.metrics()', () => {
  it('counts each lifecycle event and each rejection by reason', async () => {
    const server = await startServer(sessionApp(genericSession.filter(MemoryStore(), { keys: ['k'], strict: true })))
    try {
      const before = metrics()
      const client = createClient(server.url)
      await client.get('/set/name/Ada')
      await client.get('/login')
      await client.get('/destroy')
      const token = crypto.randomBytes(30).toString('base64')
      await rawGet(server.url + '/read', { cookie: `s=${token}` })
      await rawGet(server.url + '/read', { cookie: 's=a"b' })
      await rawGet(server.url + '/read', { cookie: `s=${token}; s.sig=${require('keygrip')(['k']).sign('s=' + token)}` })
      const after = metrics()
      assert.deepStrictEqual(delta(before, after, ['created', 'regenerated', 'destroyed', 'rejected.bad signature', 'rejected.malformed', 'rejected.unknown token', 'rejected.maxLifetime', 'rejected.revoked user']), {
        created: 4, // Ada, after the bad signature, after the malformed cookie, after the unknown token
        regenerated: 1,
        destroyed: 1,
        'rejected.bad signature': 1,
        'rejected.malformed': 1,
        'rejected.unknown token': 1,
        'rejected.maxLifetime': 0,
        'rejected.revoked user': 0
      })
    } finally {
      await server.close()
    }
  })

  it('counts expired sessions by store: MemoryStore\'s idle ones and LevelStore\'s', async () => {
    const dir = tempDir()
    const level = LevelStore({ location: dir, sweepInterval: 50 })
    const memory = MemoryStore({ cache: { maxAge: 100 } })
    const servers = [
      await startServer(sessionApp(genericSession.filter(memory))),
      await startServer(sessionApp(genericSession.filter(level, { expire: 0.2 })))
    ]
    try {
      const before = metrics()
      for (const server of servers) await createClient(server.url).get('/set/name/Ada')
      await sleep(150)
      await createClient(servers[0].url).get('/set/name/Grace') // sweeps the idle one
      let after = metrics()
      for (let i = 0; i < 250 && after.expired.LevelStore === before.expired.LevelStore; i++) {
        await sleep(20)
        after = metrics()
      }
      assert.deepStrictEqual(delta(before, after, ['expired.MemoryStore', 'expired.LevelStore']), { 'expired.MemoryStore': 1, 'expired.LevelStore': 1 })
    } finally {
      for (const server of servers) await server.close()
      await closeStore(level)
      removeDir(dir)
    }
  })

  it('times each Session call to the store, by store and operation, in cumulative buckets', async () => {
    const server = await startServer(sessionApp(genericSession.filter(MemoryStore())))
    try {
      const before = metrics()
      const client = createClient(server.url)
      for (let i = 0; i < 5; i++) await client.get('/count') // a get, then a set
      const after = metrics()
      for (const operation of ['get', 'set']) {
        const was = callsOf(before, 'MemoryStore', operation)
        const now = callsOf(after, 'MemoryStore', operation)
        assert.strictEqual(now.calls - was.calls, 5, operation)
        assert.ok(now.seconds > was.seconds, `${operation}: the durations add up`)
        assert.deepStrictEqual(now.buckets.map((b) => b.le), DURATION_BUCKETS)
        for (let i = 1; i < now.buckets.length; i++) assert.ok(now.buckets[i].calls >= now.buckets[i - 1].calls, 'cumulative')
        assert.ok(now.buckets[now.buckets.length - 1].calls <= now.calls)
      }
    } finally {
      await server.close()
    }
  })

  it('counts store calls whose callback got an error, by store and operation', async () => {
    const failing = {
      get: (id, key, expire, cb) => cb(new Error('down')),
      getAll: (id, expire, cb) => cb(null, {}),
      set: (id, key, value, expire, cb) => cb(new Error('down')),
      del: (id, key, expire, cb) => cb(null),
      delAll: (id, cb) => cb(null)
    }
    const dir = tempDir()
    const closed = LevelStore(dir)
    await closeStore(closed)
    const servers = [await startServer(sessionApp(genericSession.filter(failing))), await startServer(sessionApp(genericSession.filter(closed)))]
    try {
      const before = metrics()
      for (const server of servers) {
        const { status } = await createClient(server.url).get('/count')
        assert.strictEqual(status, 500)
      }
      await createClient(servers[0].url).get('/read')
      const after = metrics()
      const errors = (store, operation) => callsOf(after, store, operation).errors - callsOf(before, store, operation).errors
      const calls = (store, operation) => callsOf(after, store, operation).calls - callsOf(before, store, operation).calls
      assert.deepStrictEqual([errors('custom', 'get'), calls('custom', 'get')], [1, 1])
      assert.deepStrictEqual([errors('custom', 'getAll'), calls('custom', 'getAll')], [0, 1], 'a call that succeeds is no error')
      assert.deepStrictEqual([errors('LevelStore', 'get'), calls('LevelStore', 'get')], [1, 1], 'LevelStore is closed')
    } finally {
      for (const server of servers) await server.close()
      removeDir(dir)
    }
  })

  it('is plain data: JSON gives all of it, and changing a snapshot changes nothing counted', () => {
    const snapshot = metrics()
    assert.deepStrictEqual(JSON.parse(JSON.stringify(snapshot)), { ...snapshot })
    snapshot.created += 1000
    assert.ok(metrics().created < snapshot.created)
  })

  describe('toPrometheus()', () => {
    it('is the text exposition format: HELP and TYPE for each family, counters, and a histogram ending in +Inf', async () => {
      const server = await startServer(sessionApp(genericSession.filter(MemoryStore())))
      try {
        await createClient(server.url).get('/count')
      } finally {
        await server.close()
      }
      const snapshot = metrics()
      const families = parsePrometheus(snapshot.toPrometheus())
      assert.deepStrictEqual([...families.keys()], [
        'generic_session_created_total',
        'generic_session_regenerated_total',
        'generic_session_destroyed_total',
        'generic_session_expired_total',
        'generic_session_rejected_total',
        'generic_session_store_errors_total',
        'generic_session_store_call_duration_seconds'
      ])
      for (const family of families.values()) assert.ok(family.help.length > 0)
      assert.strictEqual(families.get('generic_session_created_total').type, 'counter')
      assert.deepStrictEqual(families.get('generic_session_created_total').samples, [{ name: 'generic_session_created_total', labels: {}, value: snapshot.created }])
      assert.deepStrictEqual(families.get('generic_session_rejected_total').samples.map((s) => s.labels.reason),
        ['bad signature', 'malformed', 'unknown token', 'maxLifetime', 'revoked user'])
      const histogram = families.get('generic_session_store_call_duration_seconds')
      assert.strictEqual(histogram.type, 'histogram')
      const getCount = histogram.samples.find((s) => s.name.endsWith('_count') && s.labels.store === 'MemoryStore' && s.labels.operation === 'get')
      assert.strictEqual(getCount.value, callsOf(snapshot, 'MemoryStore', 'get').calls)
      const getBuckets = histogram.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.store === 'MemoryStore' && s.labels.operation === 'get')
      assert.deepStrictEqual(getBuckets.map((s) => s.labels.le), [...DURATION_BUCKETS.map(String), '+Inf'])
    })

    it('escapes label values (backslash, double quote, newline) and HELP text', () => {
      const odd = 'a "quoted" \\ back\nslash'
      const text = render({
        created: 0,
        regenerated: 0,
        destroyed: 0,
        expired: { [odd]: 2 },
        rejected: { [odd]: 3 },
        storeCalls: [{ store: odd, operation: 'get', calls: 1, errors: 0, seconds: 0.5, buckets: [{ le: 1, calls: 1 }] }]
      })
      assert.ok(text.includes('generic_session_expired_total{store="a \\"quoted\\" \\\\ back\\nslash"} 2'), text)
      const families = parsePrometheus(text)
      assert.strictEqual(families.get('generic_session_rejected_total').samples[0].labels.reason, odd)
      const histogram = 'generic_session_store_call_duration_seconds'
      assert.deepStrictEqual(families.get(histogram).samples.map((s) => [s.name.slice(histogram.length), s.labels.le, s.value]),
        [['_bucket', '1', 1], ['_bucket', '+Inf', 1], ['_sum', undefined, 0.5], ['_count', undefined, 1]])
    })

    it('comes with its content type, for a scrape handler', () => {
      assert.strictEqual(metrics.contentType, 'text/plain; version=0.0.4; charset=utf-8')
    })
  })

  describe('the format reader of these tests', () => {
    const valid = '# HELP x_total A help.\n# TYPE x_total counter\nx_total{a="1"} 2\n'
    it('reads a valid text', () => {
      assert.strictEqual(parsePrometheus(valid).get('x_total').samples[0].value, 2)
    })
    for (const [what, text] of [
      ['a sample before TYPE', 'x_total 1\n# HELP x_total h\n# TYPE x_total counter\n'],
      ['no trailing newline', valid.slice(0, -1)],
      ['an unquoted label value', '# HELP x h\n# TYPE x counter\nx{a=1} 2\n'],
      ['a bad escape in a label value', '# HELP x h\n# TYPE x counter\nx{a="\\t"} 2\n'],
      ['a value that is no float', '# HELP x h\n# TYPE x counter\nx 2s\n'],
      ['a family\'s samples apart', '# HELP x h\n# TYPE x counter\nx 1\n# HELP y h\n# TYPE y counter\ny 1\nx 2\n'],
      ['a histogram without +Inf', '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
      ['a histogram whose +Inf is not its count', '# HELP h h\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n'],
      ['a histogram whose buckets fall', '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n']
    ]) {
      it(`refuses ${what}`, () => assert.throws(() => parsePrometheus(text)))
    }
  })
})
