'use strict'

// genericSession.expressStore under real @fastify/session 11 on Fastify 5, over real HTTP with a
// cookie jar, on every store (test/helpers/express-store-suite.js), and without express-session.

const assert = require('assert')
const path = require('path')
const { spawnSync } = require('child_process')
const Fastify = require('fastify')
const fastifyCookie = require('@fastify/cookie')
const fastifySession = require('@fastify/session')
const { expressStoreSuite } = require('./helpers/express-store-suite')

const HOUR = 60 * 60 * 1000
const SECRET = 'a secret of at least thirty-two characters'

// A Fastify app with @fastify/session on `store` and the suite's routes; { url, close() }.
async function fastifyApp (store, held) {
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.register(fastifySession, { store, secret: SECRET, saveUninitialized: false, cookie: { secure: false, maxAge: HOUR } })
  const data = (request) => {
    const { cookie, ...rest } = request.session
    return rest
  }
  const count = (request, key) => request.session.set(key, (request.session.get(key) || 0) + 1)
  app.get('/read', async (request) => data(request))
  app.get('/count/:key', async (request) => { count(request, request.params.key); return data(request) })
  app.get('/del/:key', async (request) => { delete request.session[request.params.key]; return data(request) })
  app.get('/hold/:name/count/:key', async (request) => {
    await held.hold(request.params.name)
    count(request, request.params.key)
    return data(request)
  })
  app.get('/login/:user', async (request) => {
    await request.session.regenerate()
    request.session.set('user', request.params.user)
    return data(request)
  })
  app.get('/logout', async (request) => { await request.session.destroy(); return null })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
}

const framework = {
  start: fastifyApp,
  // @fastify/session's cookie is sid + '.' + signature, URI-encoded.
  sid: (client) => decodeURIComponent(client.cookie('sessionId').value).split('.')[0]
}

describe('expressStore on @fastify/session (Fastify 5)', () => {
  expressStoreSuite(framework)

  it('works where express-session cannot be required', () => {
    // A child in which require('express-session') fails as it does where it is not installed.
    const child = spawnSync(process.execPath, ['-e', `
      const Module = require('module')
      const resolve = Module._resolveFilename
      Module._resolveFilename = function (request, ...rest) {
        if (request === 'express-session') throw Object.assign(new Error("Cannot find module 'express-session'"), { code: 'MODULE_NOT_FOUND' })
        return resolve.call(this, request, ...rest)
      }
      const genericSession = require(${JSON.stringify(path.join(__dirname, '..'))})
      const store = genericSession.expressStore(genericSession.MemoryStore())
      store.set('sid', { cookie: { maxAge: 60000 }, n: 1 }, (err) => {
        if (err) throw err
        store.get('sid', (err, session) => {
          if (err) throw err
          console.log(JSON.stringify(session))
          try { store.generate = () => {} } catch (err) { console.log(err.message) }
        })
      })
    `], { encoding: 'utf8', timeout: 30000 })
    assert.strictEqual(child.status, 0, child.stderr)
    const [session, refusal] = child.stdout.trim().split('\n')
    assert.deepStrictEqual(JSON.parse(session), { cookie: { maxAge: 60000 }, n: 1 })
    assert.match(refusal, /express-session could not be required .* expressStore\(store, \{ expressSession: require\('express-session'\) \}\)/)
  })
})
