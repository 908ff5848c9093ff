// ES module consumers: `import genericSession from 'generic-session'`, the named imports, and the
// deep imports of the original's layout, all resolved through package.json "exports" by name.
import assert from 'assert'
import { createRequire } from 'module'
import genericSession, { middleware, filter, MemoryStore, LevelStore, RedisStore, levelSession, expressStore, userIndexMethods, channels, metrics } from 'generic-session'
import expressStoreModule, * as expressStoreNamed from 'generic-session/express-store'
import memoryStore from 'generic-session/memory-store'
import levelSessionModule from 'generic-session/level-session'
import koaSession from 'generic-session/koa'
import fastifySession from 'generic-session/fastify'
import Koa from 'koa'
import Fastify from 'fastify'

const require = createRequire(import.meta.url)

describe('ES module import', () => {
  it('the default import is the CommonJS module itself', () => {
    assert.strictEqual(genericSession, require('generic-session'))
    assert.strictEqual(typeof genericSession, 'function')
  })

  it('named imports are its members', () => {
    assert.strictEqual(middleware, genericSession.middleware)
    assert.strictEqual(filter, genericSession.filter)
    assert.strictEqual(MemoryStore, genericSession.MemoryStore)
    assert.strictEqual(LevelStore, genericSession.LevelStore)
    assert.strictEqual(RedisStore, genericSession.RedisStore)
    assert.strictEqual(levelSession, genericSession.levelSession)
    assert.strictEqual(expressStore, genericSession.expressStore)
    assert.strictEqual(userIndexMethods, genericSession.userIndexMethods)
    assert.strictEqual(channels, genericSession.channels)
    assert.strictEqual(metrics, genericSession.metrics)
  })

  it('generic-session/express-store is the same module, named imports included', () => {
    assert.strictEqual(expressStoreModule, genericSession)
    for (const name of Object.keys(genericSession)) {
      assert.strictEqual(expressStoreNamed[name], genericSession[name], name)
    }
  })

  it('deep imports match require()', () => {
    assert.strictEqual(memoryStore, require('generic-session/memory-store'))
    assert.strictEqual(levelSessionModule, require('generic-session/level-session'))
    assert.strictEqual(typeof levelSessionModule.LevelStore, 'function')
  })

  it('the framework adapters import as their CommonJS modules', () => {
    assert.strictEqual(koaSession, require('generic-session/koa'))
    assert.strictEqual(fastifySession, require('generic-session/fastify'))
  })

  it('the framework adapters serve sessions from ESM', async () => {
    const { startServer, createClient } = require('./helpers/http.js')
    const koa = new Koa()
    koa.use(koaSession(MemoryStore()))
    koa.use(async (ctx) => { ctx.body = { read: await ctx.session.get('n') ?? null, set: await ctx.session.set('n', 1) ?? null } })
    const fastify = Fastify()
    fastify.register(fastifySession, { store: MemoryStore() })
    fastify.get('/', async (request) => ({ read: await request.session.get('n') ?? null, set: await request.session.set('n', 1) ?? null }))
    const koaServer = await startServer(koa.callback())
    const fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' })
    try {
      for (const url of [koaServer.url, fastifyUrl]) {
        const client = createClient(url)
        assert.deepStrictEqual((await client.get('/')).body, { read: null, set: null }, url)
        assert.deepStrictEqual((await client.get('/')).body, { read: 1, set: null }, url)
      }
    } finally {
      await koaServer.close()
      await fastify.close()
    }
  })

  it('a session works from ESM', async () => {
    const headers = {}
    const res = { getHeader: (n) => headers[n.toLowerCase()], setHeader: (n, v) => { headers[n.toLowerCase()] = v } }
    const session = genericSession({ headers: {} }, res, MemoryStore())
    await session.set('k', 'v')
    assert.strictEqual(await session.get('k'), 'v')
    assert.match(headers['set-cookie'][0], /^s=/)
  })
})
