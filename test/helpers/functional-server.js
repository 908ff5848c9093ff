'use strict'

// The original's functional request handler (tests/functional-test.js), behind any filter
// (req, res, next): for the functional flow (./http-flow-suite) and the other HTTP tests.

const assert = require('assert')

const obj = { key: 'val', obj: { foo: 'bar' } }
const str = 'val'

function functionalHandler (filter) {
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

// The session cookie as the original test checks it: 40 characters, httpOnly, far expiry.
function assertSessionCookie (c, expectedValue, name = 's') {
  assert.ok(c, `the jar holds cookie ${name}`)
  assert.strictEqual(c.key, name, 'cookie name')
  assert.match(c.value, /^.{40}$/, 'cookie value')
  if (expectedValue !== undefined) assert.strictEqual(c.value, expectedValue, 'cookie value unchanged')
  assert.strictEqual(c.httpOnly, true, 'httpOnly')
  assert.strictEqual(c.path, '/')
  assert.ok(c.expires instanceof Date, 'expires is a Date')
  assert.ok(c.expires.getTime() > Date.now() + 60 * 1000, 'expires more than a minute from now')
}

module.exports = { obj, str, functionalHandler, assertSessionCookie }
