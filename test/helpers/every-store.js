'use strict'

// Every kind of store this package has, made fresh for a test and released after it, so a
// behaviour that must hold "in every store" is tested in each: MemoryStore, a custom Map store,
// LevelStore on a directory, LevelStore({ db }) on memory-level, and RedisStore (with a
// redis-server this file starts, when redis-server is installed; see ./redis).

const genericSession = require('../..')
const MapStore = require('./map-store')
const { tempDir, removeDir, closeStore } = require('./level')
const { HAVE_REDIS, startRedis } = require('./redis')

let redis = null
let prefixes = 0

const STORES = [
  { name: 'MemoryStore', make: () => ({ store: genericSession.MemoryStore(), release: async () => {} }) },
  { name: 'a custom Map store', make: () => ({ store: new MapStore(), release: async () => {} }) },
  {
    name: 'LevelStore',
    make: () => {
      const dir = tempDir()
      const store = genericSession.LevelStore(dir)
      return { store, release: async () => { await closeStore(store); removeDir(dir) } }
    }
  },
  {
    name: 'LevelStore({ db }) on memory-level',
    make: () => {
      const { MemoryLevel } = require('memory-level')
      const db = new MemoryLevel()
      const store = genericSession.LevelStore({ db })
      return { store, release: async () => { await closeStore(store); await db.close() } }
    }
  },
  {
    name: 'RedisStore',
    redis: true,
    make: () => {
      const store = genericSession.RedisStore({ url: redis.url, prefix: `every${++prefixes}:` })
      return { store, release: () => closeStore(store) }
    }
  }
]

// Runs define(makeStore) inside describe(`on ${name}`) for every store. makeStore() returns a
// fresh store, released after the test. RedisStore's server starts before and stops after.
function forEveryStore (define) {
  for (const kind of STORES) {
    if (kind.redis && !HAVE_REDIS && !process.env.CI) continue // test/redis-store.test.js says so loudly
    describe(`on ${kind.name}`, function () {
      let made = []
      if (kind.redis) {
        before(async () => { if (!redis) redis = await startRedis() })
        after(async () => { if (redis) await redis.remove(); redis = null })
      }
      afterEach(async () => {
        await Promise.all(made.map((m) => m.release()))
        made = []
      })
      define(() => {
        const m = kind.make()
        made.push(m)
        return m.store
      })
    })
  }
}

module.exports = { forEveryStore }
