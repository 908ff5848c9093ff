'use strict'

// The original's functional test (tests/functional-test.js, itself from isaacs/RedSess), ported to
// mocha over real HTTP: a browser-like client with a cookie jar talks to a server using the filter.

const assert = require('assert')
const Keygrip = require('keygrip')
const express = require('express')
const genericSession = require('..')
const MapStore = require('./helpers/map-store')
const { startServer, createClient } = require('./helpers/http')

const obj = { key: 'val', obj: { foo: 'bar' } }
const str = 'val'

// The original's request handler, with the filter in front of it.
function functionalServer (store, options) {
  const filter = genericSession.filter(store, options)
  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const fail = (res, err) => send(res, 500, { error: String(err && err.message) })

  function handle (req, res) {
    const session = res.session
    switch (req.url) {
      case '/set/str':
        return session.set('str', str, (er) => er ? fail(res, er) : send(res, 200, { id: session.id, ok: true, str }))
      case '/set/obj':
        return session.set('obj', obj, (er) => er ? fail(res, er) : send(res, 200, { id: session.id, ok: true, obj }))
      case '/get/str':
        return session.get('str', (er, value) => er ? fail(res, er) : send(res, 200, { id: session.id, ok: true, str: value }))
      case '/get/obj':
        return session.get('obj', (er, value) => er ? fail(res, er) : send(res, 200, { id: session.id, ok: true, obj: value }))
      case '/get/all':
        return session.get((er, data) => er ? fail(res, er) : send(res, 200, { id: session.id, ok: true, data }))
      case '/del/str':
        return session.del('str', (er, value) => er ? fail(res, er) : send(res, 200, { id: session.id, ok: true, str: value }))
      case '/del/obj':
        return session.del('obj', (er, value) => er ? fail(res, er) : send(res, 200, { id: session.id, ok: true, obj: value }))
      case '/del/all':
        return session.del((er, data) => er ? fail(res, er) : send(res, 200, { id: session.id, ok: true, data }))
      case '/destroy':
        return session.destroy((er) => er ? fail(res, er) : send(res, 200, { ok: true, destroyed: true }))
      default:
        return send(res, 404, { error: 'not found', id: session.id })
    }
  }

  return (req, res) => filter(req, res, () => {
    assert.strictEqual(req.session, res.session)
    handle(req, res)
  })
}

// The session cookie as the original test checks it: name s, 40 characters, httpOnly, far expiry.
function assertSessionCookie (c, expectedValue) {
  assert.ok(c, 'the jar holds cookie s')
  assert.strictEqual(c.key, 's', 'cookie name')
  assert.match(c.value, /^.{40}$/, 'cookie value')
  if (expectedValue !== undefined) assert.strictEqual(c.value, expectedValue, 'cookie value unchanged')
  assert.strictEqual(c.httpOnly, true, 'httpOnly')
  assert.strictEqual(c.path, '/')
  assert.ok(c.expires instanceof Date, 'expires is a Date')
  assert.ok(c.expires.getTime() > Date.now() + 60 * 1000, 'expires more than a minute from now')
}

const variants = [
  { name: 'MemoryStore', makeStore: () => genericSession.MemoryStore(), options: undefined },
  { name: 'a custom Map store', makeStore: () => new MapStore(), options: undefined },
  { name: 'MemoryStore with keys [\'secret\'] (signed cookies)', makeStore: () => genericSession.MemoryStore(), options: { keys: ['secret'] } }
]

for (const variant of variants) {
  const signed = Boolean(variant.options && variant.options.keys)

  describe(`the functional flow over HTTP on ${variant.name}`, () => {
    let server, client, id, sessionId

    before(async () => {
      server = await startServer(functionalServer(variant.makeStore(), variant.options))
      client = createClient(server.url)
    })

    after(() => server && server.close())

    function assertSignature () {
      if (!signed) {
        assert.strictEqual(client.cookie('s.sig'), undefined, 'no s.sig cookie when unsigned')
        return
      }
      const sig = client.cookie('s.sig')
      assert.ok(sig, 'the jar holds cookie s.sig')
      assert.strictEqual(sig.value, new Keygrip(variant.options.keys).sign('s=' + client.cookie('s').value))
      assert.strictEqual(sig.httpOnly, true)
    }

    it('establishes a session on any request', async () => {
      const { status, body } = await client.get('/404')
      assert.strictEqual(status, 404)
      assert.strictEqual(body.error, 'not found')
      assert.ok(body.id, 'has id')
      id = body.id
      const c = client.cookie('s')
      assertSessionCookie(c)
      sessionId = c.value
      assert.strictEqual(id, 'session:' + sessionId)
      assertSignature()
    })

    it('/set/str stores a string', async () => {
      const { status, body } = await client.get('/set/str')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true, str })
    })

    it('/set/obj stores an object and keeps the cookie', async () => {
      const { status, body } = await client.get('/set/obj')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true, obj })
      assertSessionCookie(client.cookie('s'), sessionId)
      assertSignature()
    })

    it('/get/str reads the string back', async () => {
      const { status, body } = await client.get('/get/str')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true, str })
    })

    it('/get/obj reads the object back', async () => {
      const { status, body } = await client.get('/get/obj')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true, obj })
    })

    it('/get/all reads both', async () => {
      const { status, body } = await client.get('/get/all')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true, data: { str, obj } })
    })

    it('/del/str removes the string only', async () => {
      let { status, body } = await client.get('/del/str')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true })
      ;({ status, body } = await client.get('/get/str'))
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true })
      ;({ body } = await client.get('/get/all'))
      assert.deepStrictEqual(body.data, { obj })
    })

    it('/del/obj removes the object', async () => {
      let { status, body } = await client.get('/del/obj')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true })
      ;({ status, body } = await client.get('/get/obj'))
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true })
    })

    it('sets both again', async () => {
      let { status, body } = await client.get('/set/obj')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true, obj })
      ;({ status, body } = await client.get('/set/str'))
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true, str })
      ;({ body } = await client.get('/get/all'))
      assert.deepStrictEqual(body.data, { str, obj })
    })

    it('/del/all removes the data but keeps the session cookie', async () => {
      let { status, body } = await client.get('/del/all')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true })
      ;({ status, body } = await client.get('/get/all'))
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { id, ok: true, data: {} })
      // deleting all the *data* doesn't change the session
      assertSessionCookie(client.cookie('s'), sessionId)
      assertSignature()
    })

    it('/destroy makes the client drop the cookie', async () => {
      await client.get('/set/str')
      const { status, body, setCookies } = await client.get('/destroy')
      assert.strictEqual(status, 200)
      assert.deepStrictEqual(body, { ok: true, destroyed: true })
      assert.ok(setCookies.some((line) => /^s=; path=\/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly$/.test(line)), setCookies.join('\n'))
      assert.strictEqual(client.cookie('s'), undefined, 'cookie s removed, expires < now')
      assert.strictEqual(client.cookie('s.sig'), undefined, 'cookie s.sig removed')
    })

    it('re-establishes a new session afterwards, without the old data', async () => {
      const { status, body } = await client.get('/404')
      assert.strictEqual(status, 404)
      assert.strictEqual(body.error, 'not found')
      assert.ok(body.id)
      assert.notStrictEqual(body.id, id, 'a new id')
      const c = client.cookie('s')
      assertSessionCookie(c)
      assert.notStrictEqual(c.value, sessionId)
      assert.strictEqual(body.id, 'session:' + c.value)
      assertSignature()
      const all = await client.get('/get/all')
      assert.deepStrictEqual(all.body, { id: body.id, ok: true, data: {} })
    })

    it('keeps two clients apart', async () => {
      const other = createClient(server.url)
      await other.get('/set/obj')
      const mine = await client.get('/get/all')
      const theirs = await other.get('/get/all')
      assert.notStrictEqual(mine.body.id, theirs.body.id)
      assert.deepStrictEqual(mine.body.data, {})
      assert.deepStrictEqual(theirs.body.data, { obj })
    })
  })
}

describe('an Express 5 app with app.use(genericSession.middleware(store))', () => {
  let server

  before(async () => {
    const app = express()
    app.use(genericSession.middleware(genericSession.MemoryStore()))
    app.get('/set', (req, res, next) => {
      req.session.set('name', req.query.name, (err) => err ? next(err) : res.json({ id: req.session.id, same: req.session === res.session }))
    })
    app.get('/get', (req, res, next) => {
      req.session.get('name', (err, name) => err ? next(err) : res.json({ id: req.session.id, name }))
    })
    server = await startServer(app)
  })

  after(() => server && server.close())

  it('sets in one request and gets in the next, through the jar', async () => {
    const client = createClient(server.url)
    const set = await client.get('/set?name=ada')
    assert.strictEqual(set.status, 200)
    assert.strictEqual(set.body.same, true, 'req.session === res.session')
    const c = client.cookie('s')
    assertSessionCookie(c)
    assert.strictEqual(set.body.id, 'session:' + c.value)
    const got = await client.get('/get')
    assert.strictEqual(got.status, 200)
    assert.deepStrictEqual(got.body, { id: set.body.id, name: 'ada' })
  })

  it('gives a client without the cookie its own empty session', async () => {
    const first = createClient(server.url)
    await first.get('/set?name=bob')
    const stranger = createClient(server.url)
    const got = await stranger.get('/get')
    assert.strictEqual(got.status, 200)
    assert.strictEqual(got.body.name, undefined)
    assert.notStrictEqual(got.body.id, (await first.get('/get')).body.id)
  })
})
