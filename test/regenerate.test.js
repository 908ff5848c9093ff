'use strict'

// session.regenerate(): a new token for the session's data, the old id emptied, in every store.
// Shown over real HTTP as the session fixation defence: a token an attacker planted in the
// victim's browser before login names an empty session after it.

const assert = require('assert')
const genericSession = require('..')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { stubRequest, stubResponse } = require('./helpers/stubs')

// /login/<user> regenerates, then records the user; /whoami, /set/<k>/<v> and /all as named.
// ?cb uses the callback form of regenerate, otherwise the Promise.
function appOn (filter) {
  return (req, res) => filter(req, res, async () => {
    const send = (value) => res.end(JSON.stringify(value === undefined ? null : value))
    const fail = (err) => { res.statusCode = 500; send({ error: err.message }) }
    const url = new URL(req.url, 'http://x')
    let m
    try {
      if ((m = url.pathname.match(/^\/login\/(.+)$/))) {
        const before = req.session.id
        if (url.searchParams.has('cb')) await new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())))
        else await req.session.regenerate()
        await req.session.set('user', m[1])
        return send({ before, after: req.session.id })
      }
      if (url.pathname === '/whoami') return send(await req.session.get('user'))
      if ((m = url.pathname.match(/^\/set\/([^/]+)\/(.+)$/))) return send(await req.session.set(m[1], m[2]))
      if (url.pathname === '/all') return send(await req.session.getAll())
      send('?')
    } catch (err) {
      fail(err)
    }
  })
}

describe('session.regenerate()', () => {
  forEveryStore((makeStore) => {
    for (const [form, query] of [['Promise', ''], ['callback', '?cb']]) {
      for (const keys of [undefined, ['secret']]) {
        it(`defeats session fixation (${form} form${keys ? ', signed cookies' : ''})`, async () => {
          const server = await startServer(appOn(genericSession.filter(makeStore(), { keys })))
          try {
            // The attacker gets a session, and plants its cookie(s) in the victim's browser.
            const attacker = createClient(server.url)
            await attacker.get('/whoami')
            const victim = createClient(server.url)
            for (const c of attacker.cookies()) victim.jar.setCookieSync(c.toString(), server.url)
            const planted = attacker.cookie('s').value
            assert.strictEqual(victim.cookie('s').value, planted)

            await victim.get('/set/cart/book')
            const { body: login } = await victim.get('/login/alice' + query)
            assert.strictEqual(login.before, 'session:' + planted)
            assert.notStrictEqual(login.after, login.before, 'a new id')
            assert.notStrictEqual(victim.cookie('s').value, planted, 'the victim\'s browser got the new token')
            assert.strictEqual(login.after, 'session:' + victim.cookie('s').value)

            // The victim keeps the session's data under the new token...
            assert.strictEqual((await victim.get('/whoami')).body, 'alice')
            assert.deepStrictEqual((await victim.get('/all')).body, { cart: 'book', user: 'alice' })
            // ...and the planted token is worthless: its session is empty.
            assert.strictEqual((await attacker.get('/whoami')).body, null)
            assert.deepStrictEqual((await attacker.get('/all')).body, {})
          } finally {
            await server.close()
          }
        })
      }
    }

    it('keeps the old token when the response headers were already sent', async () => {
      const res = stubResponse()
      const session = genericSession(stubRequest(), res, makeStore())
      await session.set('k', 1)
      const { token, id } = session
      res.headersSent = true
      await assert.rejects(session.regenerate(), /headers were already sent/)
      assert.strictEqual(session.token, token)
      assert.strictEqual(session.id, id)
      assert.strictEqual(await session.get('k'), 1)
    })
  })

  it('reports a store error to the callback and keeps the old token', (done) => {
    const failing = { get () {}, set () {}, del () {}, delAll () {}, getAll (id, expire, cb) { cb(new Error('store down')) } }
    const session = genericSession(stubRequest(), stubResponse(), failing)
    const token = session.token
    session.regenerate((err) => {
      try {
        assert.match(err.message, /store down/)
        assert.strictEqual(session.token, token)
        done()
      } catch (e) {
        done(e)
      }
    })
  })
})
