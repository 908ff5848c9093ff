'use strict'

// The original's functional test (tests/functional-test.js, itself from isaacs/RedSess) as one
// suite over real HTTP: a browser-like client with a cookie jar talks to a server running the
// original's request handler (./functional-server) behind a session filter. Run by
// test/http-flow.test.js, unsigned and signed, on the filter of every store in
// test/helpers/stores.js (levelSession for the LevelStores, genericSession.filter for the rest).

const assert = require('assert')
const Keygrip = require('keygrip')
const { startServer, createClient, rawGet } = require('./http')
const { obj, str, functionalHandler, assertSessionCookie } = require('./functional-server')

// describe(`the functional flow over HTTP on ${label}`) on a server in front of the filter
// makeFilter() returns. Options:
//   keys: the keys the filter signs its cookie with (none: unsigned, and no s.sig cookie is allowed)
//   close(filter): called after the server has closed, to release the filter's store
//   checkStoreAfterDestroy: also check that the destroyed session's data is gone from the store,
//     read under its old cookie
function describeHttpFlow (label, makeFilter, { keys, close, checkStoreAfterDestroy = false } = {}) {
  describe(`the functional flow over HTTP on ${label}`, () => {
    let filter, server, client, id, sessionId

    before(async () => {
      filter = makeFilter()
      server = await startServer(functionalHandler(filter))
      client = createClient(server.url)
    })

    after(async () => {
      if (server) await server.close()
      if (close) await close(filter)
    })

    function assertSignature () {
      if (!keys) {
        assert.strictEqual(client.cookie('s.sig'), undefined, 'no s.sig cookie when unsigned')
        return
      }
      const sig = client.cookie('s.sig')
      assert.ok(sig, 'the jar holds cookie s.sig')
      assert.strictEqual(sig.value, new Keygrip(keys).sign('s=' + client.cookie('s').value))
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
      assert.ok(setCookies.some((line) => /^s=; path=\/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly$/.test(line)), setCookies.join('\n'))
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

    if (checkStoreAfterDestroy) {
      it('the destroyed session\'s data is gone from the store, even under its old cookie', async () => {
        const old = keys
          ? `s=${sessionId}; s.sig=${new Keygrip(keys).sign('s=' + sessionId)}`
          : `s=${sessionId}`
        const { body } = await rawGet(server.url + '/get/all', { cookie: old })
        assert.strictEqual(body.id, id, 'the old cookie still names the old session')
        assert.deepStrictEqual(body.data, {})
      })
    }

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

module.exports = { describeHttpFlow }
