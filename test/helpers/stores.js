'use strict'

// Every kind of store this package has, in one list. The shared suites run on each entry: the
// Store API called directly (test/store-api.test.js), the original's functional flow over HTTP,
// unsigned and signed (test/http-flow.test.js), and every test written with forEveryStore (that a
// behaviour holds "in every store": regenerate, revocation, lazy and strict, maxLifetime). A new
// store joins all of them with one entry here.
//
// An entry:
//   name         how the tests name it
//   make()       -> { store, release() }: a fresh store, and how to let go of it after the test
//   filter(opts) -> { filter, release() }: the session filter the HTTP flow runs on; by default
//                genericSession.filter on a store from make()
//   redis        'server' or 'cluster' when it needs a Redis this file starts (and stops)
//   custom       a store written outside this package: it keeps only the Store API (no revoke, no
//                move, no lossless keys), so what this package's stores promise beyond it is not
//                asked of it

const assert = require('assert')
const genericSession = require('../..')
const MapStore = require('./map-store')
const { tempDir, removeDir, closeStore } = require('./level')
const { BACKENDS, isOpen, isOpening, closeDb } = require('./level-db')
const { HAVE_REDIS, startRedis, startCluster } = require('./redis')

const { MemoryStore, LevelStore, RedisStore, levelSession } = genericSession

// The Redis servers of the entries that need one, while their tests run.
const redis = { server: null, cluster: null }
let prefixes = 0

const nothing = async () => {}

// LevelStore({ db }) on a fresh database of `backend`; releasing it checks that closing the store
// (or its filter) left the application's database open, then closes that.
function onAppDb (backend, open) {
  const dir = tempDir()
  const db = backend.open(dir)
  const made = open(db)
  const release = async () => {
    try {
      assert.ok(!(await closeStore(made)), 'the store closes without an error')
      // (a database nobody used yet may still be opening)
      assert.ok(isOpen(db) || isOpening(db), 'closing the store leaves the application\'s database open')
    } finally {
      await closeDb(db)
      removeDir(dir)
    }
  }
  return { made, release }
}

const STORES = [
  { name: 'MemoryStore', make: () => ({ store: MemoryStore(), release: nothing }) },
  { name: 'a custom Map store', custom: true, make: () => ({ store: new MapStore(), release: nothing }) },
  {
    name: 'LevelStore',
    make: () => {
      const dir = tempDir()
      const store = LevelStore(dir)
      return { store, release: async () => { await closeStore(store); removeDir(dir) } }
    },
    // The level-session filter, on a directory of its own.
    filter: (options) => {
      const dir = tempDir()
      const filter = levelSession({ ...options, location: dir })
      return { filter, release: async () => { await closeStore(filter); removeDir(dir) } }
    }
  },
  {
    // The same store with its session cache off: every read goes to the store's thread.
    name: 'LevelStore without its session cache (cacheSize: 0)',
    make: () => {
      const dir = tempDir()
      const store = LevelStore({ location: dir, cacheSize: 0 })
      return { store, release: async () => { await closeStore(store); removeDir(dir) } }
    },
    filter: (options) => {
      const dir = tempDir()
      const filter = levelSession({ ...options, location: dir, cacheSize: 0 })
      return { filter, release: async () => { await closeStore(filter); removeDir(dir) } }
    }
  },
  ...BACKENDS.map((backend) => ({
    name: `LevelStore({ db }) on ${backend.name}`,
    make: () => {
      const { made, release } = onAppDb(backend, (db) => LevelStore({ db }))
      return { store: made, release }
    },
    filter: (options) => {
      const { made, release } = onAppDb(backend, (db) => levelSession({ ...options, db }))
      return { filter: made, release }
    }
  })),
  {
    name: 'RedisStore',
    redis: 'server',
    make: () => {
      const store = RedisStore({ url: redis.server.url, prefix: `t${++prefixes}:` })
      return { store, release: () => closeStore(store) }
    }
  },
  {
    name: 'RedisStore without its near-cache (nearCache: false)',
    redis: 'server',
    make: () => {
      const store = RedisStore({ url: redis.server.url, prefix: `t${++prefixes}:`, nearCache: false })
      return { store, release: () => closeStore(store) }
    }
  },
  {
    name: 'RedisStore on a 3-master cluster',
    redis: 'cluster',
    make: () => {
      const store = RedisStore({ cluster: redis.cluster.urls, prefix: `t${++prefixes}:` })
      return { store, release: () => closeStore(store) }
    }
  }
]

// The filter of an entry without its own: genericSession.filter on one of its stores.
function defaultFilter (kind, options) {
  const { store, release } = kind.make()
  return { filter: genericSession.filter(store, options), release }
}

// Runs define(makeStore, kind) inside describe(`on ${name}`) for every store. makeStore() returns
// a fresh store, released after the test; kind.filter(options) a filter for the whole describe,
// whose release is the caller's; kind.name is the entry's name and kind.custom says the store is
// not this package's. The Redis an entry needs starts before and stops after.
function forEveryStore (define) {
  for (const kind of STORES) {
    if (kind.redis && !HAVE_REDIS && !process.env.CI) continue // test/redis-store.test.js says so loudly
    describe(`on ${kind.name}`, function () {
      let made = []
      if (kind.redis) {
        this.timeout(30000)
        before(async () => {
          redis[kind.redis] = kind.redis === 'server' ? await startRedis() : await startCluster()
        })
        after(async () => {
          if (redis[kind.redis]) await redis[kind.redis].remove()
          redis[kind.redis] = null
        })
      }
      afterEach(async () => {
        await Promise.all(made.map((m) => m.release()))
        made = []
      })
      const makeStore = () => {
        const m = kind.make()
        made.push(m)
        return m.store
      }
      define(makeStore, { name: kind.name, custom: Boolean(kind.custom), filter: (options) => (kind.filter ? kind.filter(options) : defaultFilter(kind, options)) })
    })
  }
}

module.exports = { forEveryStore }
