'use strict'

// require('generic-session/fastify') on a real Fastify 5 server over real HTTP: request.session,
// the session cookie beside @fastify/cookie's, Fastify's trustProxy for secure: 'auto', store
// errors through Fastify's error handler, options checked at registration, and where the
// decoration is seen (fastify-plugin's encapsulation).

const assert = require('assert')
const Fastify = require('fastify')
const fp = require('fastify-plugin')
const fastifyCookie = require('@fastify/cookie')
const genericSession = require('generic-session')
const sessionPlugin = require('generic-session/fastify')
const { createClient, rawGet } = require('./helpers/http')
const { describeFrameworkFlows, linesOf } = require('./helpers/framework-suite')
const { failingStore } = require('./helpers/failing-store')

// Sends `value` as JSON text (null included, which a plain `return` would not send).
const json = (reply, value) => reply.type('application/json').send(JSON.stringify(value ?? null))

// The routes of test/helpers/framework-suite.js.
function flowRoutes (app) {
  const count = async (request) => {
    const read = await request.session.get('count')
    await request.session.set('count', (read || 0) + 1)
    return { id: request.session.id, read }
  }
  app.get('/count', count)
  app.get('/other-cookie', (request, reply) => {
    reply.setCookie('other', '1')
    return count(request)
  })
  app.get('/login/:user', async (request) => {
    const before = request.session.id
    await request.session.regenerate()
    await request.session.set('user', request.params.user)
    return { before, after: request.session.id }
  })
  app.get('/whoami', async (request, reply) => json(reply, await request.session.get('user')))
  app.get('/destroy', async (request, reply) => json(reply, await request.session.destroy()))
  app.get('/nothing', async (request, reply) => json(reply, 'ok'))
}

// Listens on a free loopback port; resolves to { url, close() }.
async function listen (app) {
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
}

async function flowServer (store, options) {
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.register(sessionPlugin, { store, ...options })
  flowRoutes(app)
  return listen(app)
}

describeFrameworkFlows('Fastify', flowServer)

// Answers { session }: whether the request has a session, and a set of `k` when it does.
async function sessionReport (request) {
  if (!request.session) return { session: request.session === null ? 'null' : typeof request.session }
  await request.session.set('k', 1)
  return { session: 'Session' }
}

describe('generic-session/fastify', () => {
  it('keeps every cookie set on the reply, before and after a lazy session\'s first write', async () => {
    const app = Fastify()
    await app.register(fastifyCookie)
    await app.register(sessionPlugin, { store: genericSession.MemoryStore(), lazy: true })
    app.get('/', async (request, reply) => {
      reply.header('set-cookie', 'early=1; Path=/')
      reply.setCookie('late', '2')
      await request.session.set('k', 'v')
      reply.header('set-cookie', 'after=3; Path=/')
      return 'ok'
    })
    const server = await listen(app)
    try {
      const { setCookies } = await rawGet(server.url + '/')
      assert.deepStrictEqual(setCookies.map((line) => line.split('=')[0]).sort(), ['after', 'early', 'late', 's'])
    } finally {
      await server.close()
    }
  })

  describe('a route that hijacks the reply (reply.hijack(), then reply.raw)', () => {
    let server
    afterEach(async () => { if (server) await server.close() })

    const hijackingServer = async (options) => {
      const app = Fastify()
      await app.register(sessionPlugin, { store: genericSession.MemoryStore(), keys: ['k'], ...options })
      app.get('/set', async (request) => { await request.session.set('user', 'alice'); return 'ok' })
      app.get('/whoami', async (request, reply) => json(reply, await request.session.get('user')))
      const raw = (reply, body) => {
        reply.raw.writeHead(200, { 'content-type': 'text/plain' })
        reply.raw.end(body)
      }
      app.get('/hijack/regenerate', async (request, reply) => {
        reply.hijack()
        await request.session.regenerate()
        raw(reply, 'regenerated')
      })
      app.get('/hijack/destroy', async (request, reply) => {
        reply.hijack()
        await request.session.destroy()
        raw(reply, 'destroyed')
      })
      app.get('/hijack/set', async (request, reply) => {
        reply.hijack()
        await request.session.set('user', 'bob')
        raw(reply, 'set')
      })
      server = await listen(app)
      return createClient(server.url)
    }

    it('regenerate() sends the new cookie: the client stays logged in under the new token', async () => {
      const client = await hijackingServer()
      await client.get('/set')
      const before = client.cookie('s').value
      const regenerated = await client.get('/hijack/regenerate')
      assert.deepStrictEqual(linesOf(regenerated.setCookies, 's').length, 1, 'the new cookie went out')
      assert.notStrictEqual(client.cookie('s').value, before)
      assert.strictEqual((await client.get('/whoami')).body, 'alice')
    })

    it('destroy() clears the cookie', async () => {
      const client = await hijackingServer()
      await client.get('/set')
      await client.get('/hijack/destroy')
      assert.strictEqual(client.cookie('s'), undefined, 'the client dropped the cookie')
      assert.strictEqual((await client.get('/whoami')).body, null)
    })

    it('a lazy session\'s first set sends its cookie', async () => {
      const client = await hijackingServer({ lazy: true })
      const set = await client.get('/hijack/set')
      assert.strictEqual(linesOf(set.setCookies, 's').length, 1)
      assert.strictEqual((await client.get('/whoami')).body, 'bob')
    })
  })

  describe('secure: \'auto\'', () => {
    const cookieBehindProxy = async (fastifyOptions, options) => {
      const app = Fastify(fastifyOptions)
      await app.register(sessionPlugin, { store: genericSession.MemoryStore(), ...options })
      app.get('/', sessionReport)
      const server = await listen(app)
      try {
        const { setCookies } = await rawGet(server.url + '/', { 'x-forwarded-proto': 'https' })
        return linesOf(setCookies, 's')[0]
      } finally {
        await server.close()
      }
    }

    it('follows Fastify\'s trustProxy: X-Forwarded-Proto https makes the cookie Secure', async () => {
      assert.match(await cookieBehindProxy({ trustProxy: true }), /; secure/)
    })

    it('without trustProxy the header is not believed, unless the trustProxy option says so', async () => {
      assert.doesNotMatch(await cookieBehindProxy({}), /secure/)
      assert.match(await cookieBehindProxy({}, { trustProxy: true }), /; secure/)
    })
  })

  describe('a store that fails', () => {
    const failingServer = async (errorHandler) => {
      const app = Fastify()
      if (errorHandler) app.setErrorHandler(errorHandler)
      await app.register(sessionPlugin, { store: failingStore('the store is down') })
      app.get('/get', async (request) => ({ value: await request.session.get('k') }))
      app.get('/set', (request, reply) => {
        request.session.set('k', 1, (err) => (err ? reply.send(err) : reply.send('stored')))
      })
      return listen(app)
    }

    it('rejects `await request.session.get()`, which reaches setErrorHandler', async () => {
      const seen = []
      const server = await failingServer((err, request, reply) => {
        seen.push(err)
        reply.code(503).send({ error: err.message })
      })
      try {
        const { status, body } = await rawGet(server.url + '/get')
        assert.strictEqual(status, 503)
        assert.deepStrictEqual(body, { error: 'the store is down' })
        assert.strictEqual(seen.length, 1)
        assert.ok(seen[0] instanceof Error)
        // The callback form, its error given to reply.send, goes the same way.
        assert.strictEqual((await rawGet(server.url + '/set')).status, 503)
        assert.strictEqual(seen.length, 2)
      } finally {
        await server.close()
      }
    })

    it('answers 500 through Fastify\'s default error handler', async () => {
      const server = await failingServer()
      try {
        const { status, body } = await rawGet(server.url + '/get')
        assert.strictEqual(status, 500)
        assert.strictEqual(body.message, 'the store is down')
      } finally {
        await server.close()
      }
    })
  })

  describe('bad options fail the registration', () => {
    const store = genericSession.MemoryStore()
    // The promise of registering the plugin with `options` on a new server.
    const registering = async (options) => { await Fastify().register(sessionPlugin, options) }

    it('names the bad option, at register() and at ready()', async () => {
      await assert.rejects(registering({ store, expire: -1 }), /options\.expire must be a number of seconds/)
      const app = Fastify()
      app.register(sessionPlugin, { store, sameSite: 'none' })
      await assert.rejects(app.ready(), /options\.sameSite 'none' needs options\.secure: true/)
      await assert.rejects(registering({ store, secret: 'x' }), /options\.secret is an express-session option: use keys/)
      await assert.rejects(registering({ store, cookies: { get () {}, set () {} } }), /options\.cookies cannot be used with generic-session\/fastify/)
    })

    it('needs a store that implements the Store API', async () => {
      await assert.rejects(registering({ keys: ['k'] }), /generic-session\/fastify needs options\.store/)
      await assert.rejects(registering({ store: { get () {} } }), /missing getAll, set, del, delAll/)
    })

    it('fails beside @fastify/session, which decorates request.session too', async () => {
      const app = Fastify()
      app.register(fastifyCookie)
      app.register(require('@fastify/session'), { secret: 'a secret of at least thirty-two characters' })
      app.register(sessionPlugin, { store })
      await assert.rejects(app.ready(), /The decorator 'session' has already been added/)
    })
  })

  describe('where request.session is seen (fastify-plugin)', () => {
    it('registered at the root: every route, those of child plugins included', async () => {
      const app = Fastify()
      await app.register(sessionPlugin, { store: genericSession.MemoryStore() })
      app.get('/root', sessionReport)
      app.register(async (child) => { child.get('/child', sessionReport) })
      const server = await listen(app)
      try {
        const client = createClient(server.url)
        assert.deepStrictEqual((await client.get('/root')).body, { session: 'Session' })
        assert.deepStrictEqual((await client.get('/child')).body, { session: 'Session' })
      } finally {
        await server.close()
      }
    })

    it('request.raw.session is the same Session, as on plain middleware', async () => {
      const app = Fastify()
      await app.register(sessionPlugin, { store: genericSession.MemoryStore() })
      app.get('/', async (request) => ({ same: request.raw.session === request.session, isSession: request.session !== null }))
      const server = await listen(app)
      try {
        assert.deepStrictEqual((await createClient(server.url).get('/')).body, { same: true, isSession: true })
      } finally {
        await server.close()
      }
    })

    it('registered in a child context: that context and its children, not its parent or siblings', async () => {
      const app = Fastify()
      app.register(async (child) => {
        await child.register(sessionPlugin, { store: genericSession.MemoryStore() })
        child.get('/inside', sessionReport)
        child.register(async (grandchild) => { grandchild.get('/inside/deeper', sessionReport) })
      })
      app.register(async (sibling) => { sibling.get('/sibling', sessionReport) })
      app.get('/root', sessionReport)
      const server = await listen(app)
      try {
        const inside = await rawGet(server.url + '/inside')
        assert.deepStrictEqual(inside.body, { session: 'Session' })
        assert.strictEqual(linesOf(inside.setCookies, 's').length, 1)
        assert.deepStrictEqual((await rawGet(server.url + '/inside/deeper')).body, { session: 'Session' })
        for (const path of ['/sibling', '/root']) {
          const outside = await rawGet(server.url + path)
          assert.deepStrictEqual(outside.body, { session: 'undefined' }, path)
          assert.deepStrictEqual(outside.setCookies, [], `${path} gets no session cookie`)
        }
      } finally {
        await server.close()
      }
    })

    it('is a plugin named generic-session, which other plugins may depend on', async () => {
      const needsSessions = fp(async (app) => { app.get('/', sessionReport) }, { name: 'needs-sessions', dependencies: ['generic-session'] })
      const without = Fastify()
      without.register(needsSessions)
      await assert.rejects(without.ready(), /generic-session/)
      const app = Fastify()
      app.register(sessionPlugin, { store: genericSession.MemoryStore() })
      app.register(needsSessions)
      const server = await listen(app)
      try {
        assert.deepStrictEqual((await rawGet(server.url + '/')).body, { session: 'Session' })
      } finally {
        await server.close()
      }
    })
  })
})
