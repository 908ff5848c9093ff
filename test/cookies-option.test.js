'use strict'

// The cookies option (a Cookies object, here the real `cookies` package, reads and writes the
// cookie) over real HTTP: what it reads becomes a token only under the native path's rule, 1 to
// 256 base64 characters (src/cookie/token.rs). Anything else, even validly signed, is treated as
// a tampered cookie: a new session, never an error.

const assert = require('assert')
const Cookies = require('cookies')
const Keygrip = require('keygrip')
const genericSession = require('..')
const { startServer, rawGet } = require('./helpers/http')

const TOKEN_RE = /^[A-Za-z0-9+/]{40}$/

// Cookie values a Cookies object hands over as they are, none of them a token.
const refused = {
  'a value of 15,000 characters': 'A'.repeat(15000),
  'a value of 257 base64 characters': 'A'.repeat(257),
  'abc def (a space)': 'abc def',
  'x"y\\z (a quote and a backslash)': 'x"y\\z',
  'a value with a comma': 'abc,def',
  'a value with a NUL escape': 'abc%00',
  'latin1 bytes': '\xe9t\xe9'
}

// Values that are tokens (the native path takes them too).
const accepted = {
  'a 40-character token': 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/==',
  'a value of 256 base64 characters': 'B'.repeat(256),
  'a base64url value': 'Ab-_9',
  'one character': 'x'
}

// Set-Cookie lines -> { name: value }, the last value per name.
function cookieValues (lines) {
  const values = {}
  for (const line of lines) {
    const pair = line.split(';')[0]
    const eq = pair.indexOf('=')
    values[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return values
}

for (const keys of [undefined, ['k1']]) {
  for (const lazy of [false, true]) {
    describe(`the cookies option, ${keys ? 'signed' : 'unsigned'}${lazy ? ', lazy' : ''}: what the Cookies object reads`, () => {
      let managed, native
      const sign = (value) => new Keygrip(keys).sign('s=' + value)
      // The Cookie header carrying `value` as the session cookie, validly signed when signing.
      const header = (value) => (keys ? `s=${value}; s.sig=${sign(value)}` : `s=${value}`)

      // One app, two servers: the cookie through a Cookies object, and the native path.
      const app = (sessionOf) => (req, res) => {
        let session
        try {
          session = sessionOf(req, res)
        } catch (err) {
          res.writeHead(500)
          return res.end(JSON.stringify({ thrown: err.message }))
        }
        session.get('secret', (err, value) => {
          res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ token: session.token, id: session.id, value, error: err && err.message }))
        })
      }

      before(async () => {
        const store = genericSession.MemoryStore()
        managed = await startServer(app((req, res) => genericSession(req, res, store, { cookies: new Cookies(req, res, { keys }), keys, lazy })))
        native = await startServer(app((req, res) => genericSession(req, res, store, { keys, lazy })))
      })

      after(async () => {
        if (managed) await managed.close()
        if (native) await native.close()
      })

      describe('when the value is no token', () => {
        for (const [what, value] of Object.entries(refused)) {
          it(`starts a new session for ${what}, as the native path does`, async () => {
            for (const server of [managed, native]) {
              const { status, body, setCookies } = await rawGet(server.url + '/', { cookie: header(value) })
              assert.strictEqual(status, 200, JSON.stringify(body))
              assert.match(body.token, TOKEN_RE, 'a new 40-character token')
              assert.strictEqual(body.id, 'session:' + body.token)
              assert.strictEqual(body.value, undefined)
              assert.strictEqual(body.error, null)
              if (lazy) {
                assert.deepStrictEqual(setCookies, [], 'a new lazy session sends no cookie')
              } else {
                const values = cookieValues(setCookies)
                assert.strictEqual(values.s, body.token, 'the new token is sent back')
                if (keys) assert.strictEqual(values['s.sig'], sign(body.token))
              }
            }
          })
        }
      })

      describe('when the value is a token', () => {
        for (const [what, value] of Object.entries(accepted)) {
          it(`keeps ${what}, as the native path does`, async () => {
            for (const server of [managed, native]) {
              const { status, body, setCookies } = await rawGet(server.url + '/', { cookie: header(value) })
              assert.strictEqual(status, 200, JSON.stringify(body))
              assert.strictEqual(body.token, value)
              assert.strictEqual(cookieValues(setCookies).s, value, 'the cookie is refreshed')
            }
          })
        }
      })
    })
  }
}
