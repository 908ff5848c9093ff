'use strict'

// The session flows every framework adapter must give (generic-session/koa, generic-session/fastify),
// over real HTTP with a cookie jar, on every store. A test file passes `start(store, options)`,
// which serves these routes on a real server of its framework and resolves to { url, close() }:
//   /count          reads `count` and stores count + 1; { id, read } (read: what it found)
//   /login/<user>   regenerate(), then stores `user`; { before, after }
//   /whoami         the stored `user`, or null
//   /destroy        destroy(); null
//   /other-cookie   sets the cookie `other=1` through the framework's own cookie API, and counts
//   /nothing        touches no session method; 'ok'

const assert = require('assert')
const Keygrip = require('keygrip')
const { createClient, rawGet } = require('./http')
const { forEveryStore } = require('./stores')

// Set-Cookie lines of the response that set cookie `name`.
const linesOf = (setCookies, name) => setCookies.filter((line) => line.startsWith(name + '='))

function describeFrameworkFlows (framework, start) {
  describe(`${framework}: the session flows`, () => {
    forEveryStore((makeStore) => {
      // Runs `test(client, server)` against a server on a fresh store, and stops the server.
      const withServer = async (options, test) => {
        const server = await start(makeStore(), options)
        try {
          await test(createClient(server.url), server)
        } finally {
          await server.close()
        }
      }

      it('keeps a counter across requests in one cookie', () => withServer(undefined, async (client) => {
        const first = await client.get('/count')
        assert.strictEqual(first.status, 200)
        assert.strictEqual(first.body.read, undefined)
        const token = client.cookie('s').value
        assert.strictEqual(first.body.id, 'session:' + token)
        assert.strictEqual((await client.get('/count')).body.read, 1)
        const third = await client.get('/count')
        assert.strictEqual(third.body.read, 2)
        assert.strictEqual(client.cookie('s').value, token, 'the same token all along')
        assert.strictEqual(client.cookie('s').httpOnly, true)
      }))

      it('signs the cookie with keys, and a bad signature starts a new session', () => withServer({ keys: ['new', 'old'] }, async (client, server) => {
        await client.get('/count')
        await client.get('/count')
        const token = client.cookie('s').value
        assert.strictEqual(client.cookie('s.sig').value, new Keygrip(['new']).sign('s=' + token))
        assert.strictEqual((await client.get('/count')).body.read, 2)
        // The same token with a forged signature is no session.
        const forged = await rawGet(server.url + '/count', { cookie: `s=${token}; s.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA` })
        assert.strictEqual(forged.body.read, undefined)
        assert.notStrictEqual(forged.body.id, 'session:' + token)
      }))

      it('regenerates at login: the data moves to a new token and the old token is worthless', () => withServer({ keys: ['k'] }, async (client, server) => {
        await client.get('/count')
        const planted = client.cookie('s').value
        const attacker = createClient(server.url)
        for (const c of client.cookies()) attacker.jar.setCookieSync(c.toString(), server.url)

        const { body: login } = await client.get('/login/ada')
        assert.strictEqual(login.before, 'session:' + planted)
        assert.strictEqual(login.after, 'session:' + client.cookie('s').value)
        assert.notStrictEqual(client.cookie('s').value, planted)
        assert.strictEqual((await client.get('/whoami')).body, 'ada')
        assert.strictEqual((await client.get('/count')).body.read, 1, 'the data came along')
        assert.strictEqual((await attacker.get('/whoami')).body, null, 'the old token names an empty session')
      }))

      it('destroys: the client drops the cookie and the data is gone', () => withServer(undefined, async (client, server) => {
        await client.get('/login/ada')
        const token = client.cookie('s').value
        const { setCookies } = await client.get('/destroy')
        assert.match(linesOf(setCookies, 's')[0], /^s=; .*expires=Thu, 01 Jan 1970 00:00:00 GMT/)
        assert.strictEqual(client.cookie('s'), undefined, 'the jar dropped it')
        const again = await rawGet(server.url + '/whoami', { cookie: `s=${token}` })
        assert.strictEqual(again.body, null)
      }))

      it('sends its cookie once beside a cookie set through the framework', () => withServer({ keys: ['k'] }, async (client) => {
        for (let i = 0; i < 2; i++) {
          const { body, setCookies } = await client.get('/other-cookie')
          assert.strictEqual(body.read, i === 0 ? undefined : 1)
          assert.strictEqual(linesOf(setCookies, 's').length, 1, 'the session cookie exactly once')
          assert.strictEqual(linesOf(setCookies, 's.sig').length, 1, 'its signature exactly once')
          assert.strictEqual(linesOf(setCookies, 'other').length, 1, 'the framework\'s cookie too')
          assert.strictEqual(setCookies.length, 3)
        }
        assert.strictEqual(client.cookie('other').value, '1')
      }))

      it('lazy: no cookie and no session until the first set', () => withServer({ lazy: true }, async (client) => {
        const idle = await client.get('/nothing')
        assert.strictEqual(idle.body, 'ok')
        assert.deepStrictEqual(idle.setCookies, [])
        assert.strictEqual((await client.get('/whoami')).setCookies.length, 0, 'a read writes nothing either')
        const counted = await client.get('/count')
        assert.strictEqual(linesOf(counted.setCookies, 's').length, 1)
        assert.strictEqual((await client.get('/count')).body.read, 1)
      }))
    })
  })
}

module.exports = { describeFrameworkFlows, linesOf }
