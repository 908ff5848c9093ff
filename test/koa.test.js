'use strict'

// require('generic-session/koa') on a real Koa 3 app over real HTTP: ctx.session, the awaited
// chain, Koa's cookies beside the session's, app.proxy for secure: 'auto', store errors through
// Koa's error handling, and options checked when the middleware is made.

const assert = require('assert')
const Koa = require('koa')
const genericSession = require('generic-session')
const koaSession = require('generic-session/koa')
const { startServer, createClient, rawGet } = require('./helpers/http')
const { describeFrameworkFlows, linesOf } = require('./helpers/framework-suite')
const { failingStore } = require('./helpers/failing-store')

// The routes of test/helpers/framework-suite.js, after any middleware in `before`.
function flowApp (store, options, before = []) {
  const app = new Koa()
  for (const middleware of before) app.use(middleware)
  app.use(koaSession(store, options))
  app.use(async (ctx) => {
    const session = ctx.session
    let m
    if (ctx.path === '/count' || ctx.path === '/other-cookie') {
      if (ctx.path === '/other-cookie') ctx.cookies.set('other', '1')
      const read = await session.get('count')
      await session.set('count', (read || 0) + 1)
      ctx.body = { id: session.id, read }
    } else if ((m = ctx.path.match(/^\/login\/(.+)$/))) {
      const before = session.id
      await session.regenerate()
      await session.set('user', m[1])
      ctx.body = { before, after: session.id }
    } else if (ctx.path === '/whoami') {
      ctx.body = JSON.stringify((await session.get('user')) ?? null)
    } else if (ctx.path === '/destroy') {
      await session.destroy()
      ctx.body = 'null'
    } else if (ctx.path === '/nothing') {
      ctx.body = '"ok"'
    }
  })
  return app
}

const serve = (app) => startServer(app.callback())

describeFrameworkFlows('Koa', (store, options) => serve(flowApp(store, options)))

describe('generic-session/koa', () => {
  it('waits for the rest of the chain: middleware before it see the final response', async () => {
    const seen = []
    const outer = async (ctx, next) => {
      await next()
      seen.push([ctx.status, ctx.body && ctx.body.read])
    }
    const server = await serve(flowApp(genericSession.MemoryStore(), undefined, [outer]))
    try {
      const client = createClient(server.url)
      assert.strictEqual((await client.get('/count')).status, 200)
      assert.strictEqual((await client.get('/count')).body.read, 1)
      assert.deepStrictEqual(seen, [[200, undefined], [200, 1]])
    } finally {
      await server.close()
    }
  })

  it('ctx.session is a Session: the same class genericSession(req, res, store) returns', async () => {
    const store = genericSession.MemoryStore()
    const app = new Koa()
    app.use(koaSession(store))
    app.use((ctx) => {
      const direct = genericSession(ctx.req, ctx.res, store)
      ctx.body = {
        same: Object.getPrototypeOf(ctx.session) === Object.getPrototypeOf(direct),
        request: ctx.session.request === ctx.request,
        onNodeRequest: ctx.req.session === ctx.session,
        store: ctx.session.store === store
      }
    })
    const server = await serve(app)
    try {
      assert.deepStrictEqual((await rawGet(server.url + '/')).body, { same: true, request: true, onNodeRequest: true, store: true })
    } finally {
      await server.close()
    }
  })

  describe('secure: \'auto\'', () => {
    // The session cookie's line, for a request saying it came through a TLS proxy.
    const cookieBehindProxy = async (proxy, options) => {
      const app = flowApp(genericSession.MemoryStore(), options)
      app.proxy = proxy
      const server = await serve(app)
      try {
        const { setCookies } = await rawGet(server.url + '/count', { 'x-forwarded-proto': 'https' })
        return linesOf(setCookies, 's')[0]
      } finally {
        await server.close()
      }
    }

    it('follows app.proxy: X-Forwarded-Proto https makes the cookie Secure when Koa trusts the proxy', async () => {
      assert.match(await cookieBehindProxy(true), /; secure/)
    })

    it('without app.proxy the header is not believed', async () => {
      assert.doesNotMatch(await cookieBehindProxy(false), /secure/)
    })

    it('trustProxy still believes it without app.proxy, and secure: false never sets it', async () => {
      assert.match(await cookieBehindProxy(false, { trustProxy: true }), /; secure/)
      assert.doesNotMatch(await cookieBehindProxy(true, { secure: false }), /secure/)
    })
  })

  describe('a store that fails', () => {
    it('rejects `await ctx.session.get()`, which reaches app.on(\'error\') and answers 500', async () => {
      const app = new Koa()
      const errors = []
      app.on('error', (err) => errors.push(err))
      app.use(koaSession(failingStore('the store is down')))
      app.use(async (ctx) => {
        ctx.body = { value: await ctx.session.get('k') }
      })
      const server = await serve(app)
      try {
        const { status, setCookies } = await rawGet(server.url + '/')
        assert.strictEqual(status, 500)
        assert.deepStrictEqual(setCookies, [], 'Koa removed the headers set before the error, the session cookie\'s too')
        assert.strictEqual(errors.length, 1)
        assert.strictEqual(errors[0].message, 'the store is down')
      } finally {
        await server.close()
      }
    })

    it('reaches an error-handling middleware upstream, which may answer', async () => {
      const app = new Koa()
      app.use(async (ctx, next) => {
        try {
          await next()
        } catch (err) {
          ctx.status = 503
          ctx.body = { error: err.message }
        }
      })
      app.use(koaSession(failingStore('no database')))
      app.use(async (ctx) => {
        await ctx.session.set('k', 1)
        ctx.body = 'stored'
      })
      const server = await serve(app)
      try {
        const { status, body } = await rawGet(server.url + '/')
        assert.strictEqual(status, 503)
        assert.deepStrictEqual(body, { error: 'no database' })
      } finally {
        await server.close()
      }
    })
  })

  describe('bad options and stores throw when the middleware is made', () => {
    const store = genericSession.MemoryStore()

    it('names the bad option', () => {
      assert.throws(() => koaSession(store, { expire: -1 }), /options\.expire must be a number of seconds/)
      assert.throws(() => koaSession(store, { sameSite: 'none' }), /options\.sameSite 'none' needs options\.secure: true/)
      assert.throws(() => koaSession(store, { keys: 'one secret' }), /^Error: invalid keys provided/)
      assert.throws(() => koaSession(store, { secret: 'x' }), /options\.secret is an express-session option: use keys/)
    })

    it('refuses options.cookies: a Cookies object belongs to one request', () => {
      assert.throws(() => koaSession(store, { cookies: { get () {}, set () {} } }), /options\.cookies cannot be used with generic-session\/koa/)
    })

    it('refuses what is not a store', () => {
      assert.throws(() => koaSession(), /store must be an object implementing the Store API/)
      assert.throws(() => koaSession({ get () {} }), /missing getAll, set, del, delAll/)
    })
  })
})
