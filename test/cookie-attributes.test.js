'use strict'

// The session cookie's attributes (issue "Secure by default"): sameSite, secure with 'auto' and
// trustProxy, domain, path, partitioned, priority, httpOnly, and the __Host-/__Secure- prefixes,
// read from real responses; and bad values, which throw when the middleware is made.

const assert = require('assert')
const fs = require('fs')
const os = require('os')
const path = require('path')
const https = require('https')
const { execFileSync } = require('child_process')
const genericSession = require('..')
const { startServer, rawGet } = require('./helpers/http')

// A server whose every response is a session with `options`; resolves to its Set-Cookie values
// for one request with `headers`.
async function setCookiesFor (options, headers = {}) {
  const filter = genericSession.filter(genericSession.MemoryStore(), options)
  const server = await startServer((req, res) => filter(req, res, () => res.end('ok')))
  try {
    return (await rawGet(server.url + '/', headers)).setCookies
  } finally {
    await server.close()
  }
}

// The attributes of one Set-Cookie value, lower-cased names, in order.
function attributesOf (line) {
  return line.split('; ').slice(1).map((part) => part.split('=')[0].toLowerCase())
}

describe('cookie attributes', () => {
  describe('defaults', () => {
    it('the original\'s cookie plus samesite=lax: path=/, expires, samesite=lax, httponly; no secure over plain http', async () => {
      const [line] = await setCookiesFor({})
      assert.match(line, /^s=[A-Za-z0-9+/]{40}; path=\/; expires=[^;]+ GMT; samesite=lax; httponly$/)
    })

    it('signed cookies carry the same attributes on s and s.sig', async () => {
      const lines = await setCookiesFor({ keys: ['k'] })
      assert.deepStrictEqual(lines.map(attributesOf), [['path', 'expires', 'samesite', 'httponly'], ['path', 'expires', 'samesite', 'httponly']])
    })

    it('destroy() clears the cookie with the same attributes', async () => {
      const filter = genericSession.filter(genericSession.MemoryStore(), { sameSite: 'strict', path: '/app' })
      const server = await startServer((req, res) => filter(req, res, () => req.session.destroy(() => res.end('ok'))))
      try {
        const { setCookies } = await rawGet(server.url + '/')
        assert.strictEqual(setCookies.length, 1)
        assert.strictEqual(setCookies[0], 's=; path=/app; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=strict; httponly')
      } finally {
        await server.close()
      }
    })
  })

  describe('each option', () => {
    const cases = [
      [{ sameSite: 'strict' }, /; samesite=strict; httponly$/],
      [{ sameSite: 'Lax' }, /; samesite=lax; httponly$/],
      [{ sameSite: true }, /; samesite=strict; httponly$/],
      [{ sameSite: false }, /GMT; httponly$/],
      [{ sameSite: 'none', secure: true }, /; samesite=none; secure; httponly$/],
      [{ secure: true }, /; samesite=lax; secure; httponly$/],
      [{ secure: false }, /; samesite=lax; httponly$/],
      [{ httpOnly: false }, /GMT; samesite=lax$/],
      [{ domain: 'example.com' }, /GMT; domain=example\.com; samesite=lax; httponly$/],
      [{ path: '/app' }, /^s=[^;]+; path=\/app; expires=/],
      [{ priority: 'High' }, /GMT; priority=high; samesite=lax; httponly$/],
      [{ partitioned: true, secure: true, sameSite: 'none' }, /; samesite=none; secure; httponly; partitioned$/],
      [{ cookieName: '__Host-s', sameSite: 'none' }, /; samesite=none; secure; httponly$/],
      [{ cookieName: '__Host-s' }, /^__Host-s=[^;]+; path=\/; expires=[^;]+; samesite=lax; secure; httponly$/],
      [{ cookieName: '__Secure-s', domain: 'example.com' }, /; domain=example\.com; samesite=lax; secure; httponly$/]
    ]
    for (const [options, expected] of cases) {
      it(`${JSON.stringify(options)} → ${expected}`, async () => {
        const [line] = await setCookiesFor(options)
        assert.match(line, expected)
      })
    }
  })

  describe('secure: \'auto\' (the default)', () => {
    it('ignores X-Forwarded-Proto unless trustProxy is set', async () => {
      const [line] = await setCookiesFor({}, { 'x-forwarded-proto': 'https' })
      assert.doesNotMatch(line, /secure/)
    })

    it('with trustProxy, X-Forwarded-Proto: https (the nearest proxy\'s, first value) turns it on', async () => {
      assert.match((await setCookiesFor({ trustProxy: true }, { 'x-forwarded-proto': 'https' }))[0], /; secure; httponly$/)
      assert.match((await setCookiesFor({ trustProxy: true }, { 'x-forwarded-proto': 'HTTPS, http' }))[0], /; secure; httponly$/)
      assert.doesNotMatch((await setCookiesFor({ trustProxy: true }, { 'x-forwarded-proto': 'http, https' }))[0], /secure/)
      assert.doesNotMatch((await setCookiesFor({ trustProxy: true }))[0], /secure/)
    })

    it('turns it on for a request that came over TLS', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-tls-'))
      const keyFile = path.join(dir, 'key.pem')
      const certFile = path.join(dir, 'cert.pem')
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
        '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' })
      const filter = genericSession.filter(genericSession.MemoryStore())
      const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },
        (req, res) => filter(req, res, () => res.end('ok')))
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
      try {
        const setCookie = await new Promise((resolve, reject) => {
          https.get({ host: '127.0.0.1', port: server.address().port, path: '/', rejectUnauthorized: false }, (res) => {
            res.resume()
            res.on('end', () => resolve(res.headers['set-cookie']))
          }).on('error', reject)
        })
        assert.match(setCookie[0], /; samesite=lax; secure; httponly$/)
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })
  })

  describe('with options.cookies (a Cookies object owns the headers)', () => {
    it('passes the attributes to cookies.set', () => {
      const calls = []
      const cookies = { get () { return undefined }, set (name, value, opts) { calls.push(opts) } }
      genericSession({ headers: {} }, { getHeader () {}, setHeader () {} }, genericSession.MemoryStore(),
        { cookies, sameSite: 'strict', domain: 'example.com', path: '/app', priority: 'low', secure: true })
      assert.strictEqual(calls.length, 1)
      const { expires, ...rest } = calls[0]
      assert.ok(expires instanceof Date)
      assert.deepStrictEqual(rest, { signed: false, path: '/app', httpOnly: true, domain: 'example.com', sameSite: 'strict', priority: 'low', secure: true })
    })
  })

  describe('bad values throw when the middleware is made, naming the option', () => {
    const bad = [
      [{ sameSite: 'sometimes' }, /options\.sameSite must be 'lax', 'strict', 'none'/],
      [{ sameSite: 1 }, /options\.sameSite/],
      [{ secure: 'yes' }, /options\.secure must be true, false or 'auto'/],
      [{ trustProxy: 'true' }, /options\.trustProxy must be true or false/],
      [{ httpOnly: 0 }, /options\.httpOnly must be true or false/],
      [{ partitioned: 'yes' }, /options\.partitioned must be true or false/],
      [{ domain: 'exa mple.com' }, /options\.domain must be a domain name/],
      [{ domain: 'a.com; secure' }, /options\.domain/],
      [{ domain: '' }, /options\.domain/],
      [{ path: 'app' }, /options\.path must start with '\/'/],
      [{ path: '/a;b' }, /options\.path/],
      [{ path: '/a\nb' }, /options\.path/],
      [{ priority: 'urgent' }, /options\.priority must be one of 'low', 'medium', 'high'/],
      [{ sameSite: 'none', secure: false }, /^TypeError: options\.sameSite 'none' needs options\.secure: true, got false: browsers drop a SameSite=None cookie without Secure$/],
      // with 'auto' an http request would get the cookie without Secure, dropped: a new session every time
      [{ sameSite: 'none' }, /^TypeError: options\.sameSite 'none' needs options\.secure: true, got "auto" \(the default\): .*every request over http would start a new session$/],
      [{ sameSite: 'None', secure: 'auto' }, /^TypeError: options\.sameSite 'none' needs options\.secure: true, got "auto": /],
      [{ sameSite: 'none', secure: 'auto', trustProxy: true }, /options\.sameSite 'none' needs options\.secure: true/],
      [{ partitioned: true, secure: false }, /options\.partitioned needs options\.secure/],
      [{ cookieName: '__Host-s', secure: false }, /options\.secure cannot be false for a __Host- cookie/],
      [{ cookieName: '__Host-s', domain: 'example.com' }, /options\.domain must not be set for a __Host- cookie/],
      [{ cookieName: '__Host-s', path: '/app' }, /options\.path must be '\/' for a __Host- cookie/],
      [{ cookieName: '__Secure-s', secure: false }, /options\.secure cannot be false for a __Secure- cookie/]
    ]
    for (const [options, message] of bad) {
      it(JSON.stringify(options), () => {
        assert.throws(() => genericSession.middleware(genericSession.MemoryStore(), options), message)
      })
    }
  })
})
