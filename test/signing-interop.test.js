'use strict'

// Signed cookies must interoperate with the real `keygrip` and `cookies` packages, and with the
// original generic-session, in both directions and byte for byte.

const assert = require('assert')
const crypto = require('crypto')
const Keygrip = require('keygrip')
const Cookies = require('cookies')
const genericSession = require('..')
const original = require('generic-session-original')
const { stubRequest, stubResponse } = require('./helpers/stubs')
const { startServer, createClient, rawGet } = require('./helpers/http')

const TOKEN_RE = /^[A-Za-z0-9+/]{40}$/

const newToken = () => crypto.randomBytes(30).toString('base64')
const sign = (keys, token, name = 's') => new Keygrip(keys).sign(name + '=' + token)
const signedHeader = (keys, token) => `s=${token}; s.sig=${sign(keys, token)}`

// Set-Cookie lines -> { name: value } (the last value per name wins, as in a browser).
function cookieValues (lines) {
  const values = {}
  for (const line of [].concat(lines || [])) {
    const pair = line.split(';')[0]
    const eq = pair.indexOf('=')
    values[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return values
}

// Set-Cookie lines -> { name: whole line }, the last line per name.
function lastLinePerName (lines) {
  const byName = {}
  for (const line of [].concat(lines || [])) byName[line.slice(0, line.indexOf('='))] = line
  return byName
}

// Set-Cookie lines -> the Cookie header a browser would send back.
const cookieHeader = (lines) => Object.entries(cookieValues(lines)).filter(([, v]) => v !== '').map(([k, v]) => `${k}=${v}`).join('; ')

// A server that reports the session's token and id, and reads or writes one stored value.
function sessionServer (store, options) {
  const filter = genericSession.filter(store, options)
  return (req, res) => filter(req, res, () => {
    const reply = (err, value) => {
      res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ token: req.session.token, id: req.session.id, value, error: err ? err.message : undefined }))
    }
    const url = new URL(req.url, 'http://x')
    if (url.pathname === '/set') req.session.set('secret', url.searchParams.get('v'), reply)
    else req.session.get('secret', reply)
  })
}

describe('signing interop with keygrip, cookies and the original', () => {
  describe('a cookie pair signed by Keygrip', () => {
    it('is accepted from a stub request: session.token is the signed value', () => {
      const token = newToken()
      const res = stubResponse()
      const session = genericSession(stubRequest(signedHeader(['k1'], token)), res, genericSession.MemoryStore(), { keys: ['k1'] })
      assert.strictEqual(session.token, token)
      assert.strictEqual(session.id, 'session:' + token)
      const values = cookieValues(res.headers['set-cookie'])
      assert.strictEqual(values.s, token)
      assert.strictEqual(values['s.sig'], sign(['k1'], token))
    })

    it('is accepted for any base64 (standard or url-safe) token Keygrip signs', () => {
      for (const token of ['abc', 'a+b/c==', 'x'.repeat(40), '-_-_', 'A'.repeat(256)]) {
        const session = genericSession(stubRequest(signedHeader(['k1'], token)), stubResponse(), genericSession.MemoryStore(), { keys: ['k1'] })
        assert.strictEqual(session.token, token, token)
      }
    })

    it('is accepted over real HTTP, reaching the data stored under that token', async () => {
      const store = genericSession.MemoryStore()
      const server = await startServer(sessionServer(store, { keys: ['k1'] }))
      try {
        const token = newToken()
        await new Promise((resolve, reject) => store.set('session:' + token, 'secret', 'the data', 1000, (err) => err ? reject(err) : resolve()))
        const { status, body, setCookies } = await rawGet(server.url + '/', { cookie: signedHeader(['k1'], token) })
        assert.strictEqual(status, 200)
        assert.strictEqual(body.token, token)
        assert.strictEqual(body.value, 'the data')
        assert.strictEqual(cookieValues(setCookies)['s.sig'], sign(['k1'], token))
      } finally {
        await server.close()
      }
    })
  })

  describe('the cookie pair this package writes', () => {
    it('is accepted by new Cookies(req, res, { keys }).get(name, { signed: true })', () => {
      const res = stubResponse()
      const session = genericSession(stubRequest(), res, genericSession.MemoryStore(), { keys: ['k1'] })
      const header = cookieHeader(res.headers['set-cookie'])
      const cookies = new Cookies(stubRequest(header), stubResponse(), { keys: ['k1'] })
      assert.strictEqual(cookies.get('s', { signed: true }), session.token)
      // and refused by Cookies holding another key
      const other = new Cookies(stubRequest(header), stubResponse(), { keys: ['k2'] })
      assert.strictEqual(other.get('s', { signed: true }), undefined)
    })

    it('is accepted by the original generic-session with the same keys (same token)', () => {
      const res = stubResponse()
      const session = genericSession(stubRequest(), res, genericSession.MemoryStore(), { keys: ['k1'] })
      const header = cookieHeader(res.headers['set-cookie'])
      const theirs = original(stubRequest(header), stubResponse(), original.MemoryStore(), { keys: ['k1'] })
      assert.strictEqual(theirs.token, session.token)
      const wrongKey = original(stubRequest(header), stubResponse(), original.MemoryStore(), { keys: ['k2'] })
      assert.notStrictEqual(wrongKey.token, session.token)
    })

    it('is accepted by Cookies and the original when it comes from a real HTTP response', async () => {
      const server = await startServer(sessionServer(genericSession.MemoryStore(), { keys: ['k1'] }))
      try {
        const client = createClient(server.url)
        const { body } = await client.get('/set?v=1')
        const header = client.jar.getCookieStringSync(server.url)
        assert.match(header, /s\.sig=/)
        assert.strictEqual(new Cookies(stubRequest(header), stubResponse(), { keys: ['k1'] }).get('s', { signed: true }), body.token)
        assert.strictEqual(original(stubRequest(header), stubResponse(), original.MemoryStore(), { keys: ['k1'] }).token, body.token)
      } finally {
        await server.close()
      }
    })

    it('the cookie pair the original writes is accepted here', () => {
      const res = stubResponse()
      const theirs = original(stubRequest(), res, original.MemoryStore(), { keys: ['k1'] })
      const header = cookieHeader(res.headers['set-cookie'])
      const session = genericSession(stubRequest(header), stubResponse(), genericSession.MemoryStore(), { keys: ['k1'] })
      assert.strictEqual(session.token, theirs.token)
    })
  })

  describe('when the cookie is tampered', () => {
    const token = newToken()
    const sig = sign(['k1'], token)
    const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
    const tampered = {
      'a changed value': `s=${flip(token, 5)}; s.sig=${sig}`,
      'a value with a character appended': `s=${token}x; s.sig=${sig}`,
      'a truncated value': `s=${token.slice(0, -1)}; s.sig=${sig}`,
      'a changed signature': `s=${token}; s.sig=${flip(sig, 3)}`,
      'a truncated signature': `s=${token}; s.sig=${sig.slice(0, -1)}`,
      'a signature with padding added': `s=${token}; s.sig=${sig}=`,
      'a signature in standard base64': `s=${token}; s.sig=${crypto.createHmac('sha1', 'k1').update('s=' + token).digest('base64')}`,
      'a missing signature': `s=${token}`,
      'an empty signature': `s=${token}; s.sig=`,
      'a signature made with another key': `s=${token}; s.sig=${sign(['k2'], token)}`,
      'the signature of another cookie name': `s=${token}; s.sig=${sign(['k1'], token, 'sid')}`,
      'a signature of another token': `s=${token}; s.sig=${sign(['k1'], newToken())}`
    }

    for (const [what, header] of Object.entries(tampered)) {
      it(`starts a new session for ${what}`, () => {
        const res = stubResponse()
        const session = genericSession(stubRequest(header), res, genericSession.MemoryStore(), { keys: ['k1'] })
        assert.notStrictEqual(session.token, token)
        assert.match(session.token, TOKEN_RE)
        const values = cookieValues(res.headers['set-cookie'])
        assert.strictEqual(values.s, session.token)
        assert.strictEqual(values['s.sig'], sign(['k1'], session.token))
      })
    }

    describe('over real HTTP', () => {
      let server, store
      before(async () => {
        store = genericSession.MemoryStore()
        server = await startServer(sessionServer(store, { keys: ['k1'] }))
      })
      after(() => server && server.close())

      it('starts a new session, and the data of the real one is not visible', async () => {
        const client = createClient(server.url)
        const set = await client.get('/set?v=private')
        assert.strictEqual(set.body.value, undefined)
        const realToken = set.body.token
        const realSig = client.cookie('s.sig').value
        // the genuine pair reads the data
        const genuine = await rawGet(server.url + '/', { cookie: `s=${realToken}; s.sig=${realSig}` })
        assert.strictEqual(genuine.body.token, realToken)
        assert.strictEqual(genuine.body.value, 'private')
        const variants = [
          `s=${flip(realToken, 7)}; s.sig=${realSig}`,
          `s=${realToken}; s.sig=${flip(realSig, 7)}`,
          `s=${realToken}`,
          `s=${realToken}; s.sig=`,
          `s=${realToken}; s.sig=${sign(['other'], realToken)}`
        ]
        for (const cookie of variants) {
          const { status, body, setCookies } = await rawGet(server.url + '/', { cookie })
          assert.strictEqual(status, 200, cookie)
          assert.notStrictEqual(body.token, realToken, cookie)
          assert.match(body.token, TOKEN_RE)
          assert.strictEqual(body.value, undefined, `data visible with ${cookie}`)
          assert.strictEqual(cookieValues(setCookies).s, body.token)
        }
        // and the real session is untouched
        assert.strictEqual((await client.get('/')).body.value, 'private')
      })
    })
  })

  describe('key rotation with keys [\'new\', \'old\']', () => {
    it('accepts a cookie signed with the old key and re-signs it with the new one', () => {
      const token = newToken()
      const res = stubResponse()
      const session = genericSession(stubRequest(signedHeader(['old'], token)), res, genericSession.MemoryStore(), { keys: ['new', 'old'] })
      assert.strictEqual(session.token, token)
      const values = cookieValues(res.headers['set-cookie'])
      assert.strictEqual(values.s, token)
      assert.strictEqual(values['s.sig'], new Keygrip(['new']).sign('s=' + token))
      assert.notStrictEqual(values['s.sig'], sign(['old'], token))
    })

    it('keeps a cookie signed with the new key as it is', () => {
      const token = newToken()
      const res = stubResponse()
      const session = genericSession(stubRequest(signedHeader(['new'], token)), res, genericSession.MemoryStore(), { keys: ['new', 'old'] })
      assert.strictEqual(session.token, token)
      assert.strictEqual(cookieValues(res.headers['set-cookie'])['s.sig'], sign(['new'], token))
    })

    it('refuses a cookie signed with a key no longer listed', () => {
      const token = newToken()
      const session = genericSession(stubRequest(signedHeader(['older'], token)), stubResponse(), genericSession.MemoryStore(), { keys: ['new', 'old'] })
      assert.notStrictEqual(session.token, token)
    })

    it('rotates over real HTTP: the client then holds a new-key signature for the same session', async () => {
      const store = genericSession.MemoryStore()
      const before = await startServer(sessionServer(store, { keys: ['old'] }))
      const client = createClient(before.url)
      let token
      try {
        token = (await client.get('/set?v=kept')).body.token
      } finally {
        await before.close()
      }
      assert.strictEqual(client.cookie('s.sig').value, sign(['old'], token))
      const after = await startServer(sessionServer(store, { keys: ['new', 'old'] }))
      try {
        const cookie = `s=${token}; s.sig=${sign(['old'], token)}`
        const { body, setCookies } = await rawGet(after.url + '/', { cookie })
        assert.strictEqual(body.token, token)
        assert.strictEqual(body.value, 'kept')
        assert.strictEqual(cookieValues(setCookies)['s.sig'], new Keygrip(['new']).sign('s=' + token))
        // the re-signed pair is accepted with the new key alone
        const newOnly = genericSession(stubRequest(cookieHeader(setCookies)), stubResponse(), store, { keys: ['new'] })
        assert.strictEqual(newOnly.token, token)
      } finally {
        await after.close()
      }
    })
  })

  describe('keys given as a Keygrip instance (keygrip 1.1)', () => {
    it('accepts a cookie it signed', () => {
      const keys = new Keygrip(['k1'])
      const token = newToken()
      const res = stubResponse()
      const session = genericSession(stubRequest(`s=${token}; s.sig=${keys.sign('s=' + token)}`), res, genericSession.MemoryStore(), { keys })
      assert.strictEqual(session.token, token)
      assert.strictEqual(cookieValues(res.headers['set-cookie'])['s.sig'], keys.sign('s=' + token))
    })

    it('signs new sessions with it', () => {
      const keys = new Keygrip(['k1'])
      const res = stubResponse()
      const session = genericSession(stubRequest(), res, genericSession.MemoryStore(), { keys })
      assert.match(session.token, TOKEN_RE)
      const values = cookieValues(res.headers['set-cookie'])
      assert.strictEqual(values.s, session.token)
      assert.strictEqual(values['s.sig'], keys.sign('s=' + session.token))
      // and writes the same bytes as keys: ['k1'] would
      const viaArray = stubResponse()
      genericSession(stubRequest(cookieHeader(res.headers['set-cookie'])), viaArray, genericSession.MemoryStore(), { keys: ['k1'] })
      assert.deepStrictEqual(cookieValues(viaArray.headers['set-cookie']), values)
    })

    it('refuses a tampered value or signature', () => {
      const keys = new Keygrip(['k1'])
      const token = newToken()
      const sig = keys.sign('s=' + token)
      for (const header of [`s=${token}x; s.sig=${sig}`, `s=${token}; s.sig=${sig.slice(1)}`, `s=${token}`, `s=${token}; s.sig=${new Keygrip(['k2']).sign('s=' + token)}`]) {
        const session = genericSession(stubRequest(header), stubResponse(), genericSession.MemoryStore(), { keys })
        assert.notStrictEqual(session.token, token, header)
        assert.match(session.token, TOKEN_RE)
      }
    })

    it('rotates: a cookie signed with an older key is re-signed with the newest', () => {
      const keys = new Keygrip(['new', 'old'])
      const token = newToken()
      const res = stubResponse()
      const session = genericSession(stubRequest(signedHeader(['old'], token)), res, genericSession.MemoryStore(), { keys })
      assert.strictEqual(session.token, token)
      assert.strictEqual(cookieValues(res.headers['set-cookie'])['s.sig'], new Keygrip(['new']).sign('s=' + token))
    })

    it('is used as is: its own algorithm signs and verifies', () => {
      const keys = new Keygrip(['k1'], 'sha256')
      const token = newToken()
      const res = stubResponse()
      const session = genericSession(stubRequest(`s=${token}; s.sig=${keys.sign('s=' + token)}`), res, genericSession.MemoryStore(), { keys })
      assert.strictEqual(session.token, token)
      assert.strictEqual(cookieValues(res.headers['set-cookie'])['s.sig'], keys.sign('s=' + token))
      const sha1Signed = genericSession(stubRequest(signedHeader(['k1'], token)), stubResponse(), genericSession.MemoryStore(), { keys })
      assert.notStrictEqual(sha1Signed.token, token)
    })

    it('signs the clearing cookie on destroy', async () => {
      const keys = new Keygrip(['k1'])
      const res = stubResponse()
      const session = genericSession(stubRequest(), res, genericSession.MemoryStore(), { keys })
      await session.destroy()
      const lines = lastLinePerName(res.headers['set-cookie'])
      assert.strictEqual(lines.s, 's=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly')
      assert.strictEqual(lines['s.sig'], `s.sig=${keys.sign('s=')}; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly`)
    })

    it('works over real HTTP: accepts, persists, rejects tampering', async () => {
      const keys = new Keygrip(['k1'])
      const server = await startServer(sessionServer(genericSession.MemoryStore(), { keys }))
      try {
        const client = createClient(server.url)
        const { body } = await client.get('/set?v=kg')
        assert.strictEqual(client.cookie('s.sig').value, keys.sign('s=' + body.token))
        assert.strictEqual((await client.get('/')).body.value, 'kg')
        const forged = await rawGet(server.url + '/', { cookie: `s=${body.token}; s.sig=${new Keygrip(['k2']).sign('s=' + body.token)}` })
        assert.notStrictEqual(forged.body.token, body.token)
        assert.strictEqual(forged.body.value, undefined)
      } finally {
        await server.close()
      }
    })
  })

  describe('the cookies option: a Cookies object per request', () => {
    for (const keys of [['k1'], undefined]) {
      describe(keys ? 'with keys' : 'without keys', () => {
        let server

        before(async () => {
          const store = genericSession.MemoryStore()
          server = await startServer((req, res) => {
            const cookies = new Cookies(req, res, { keys })
            const session = genericSession(req, res, store, { cookies, keys })
            const reply = (err, value) => {
              res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' })
              res.end(JSON.stringify({ token: session.token, value }))
            }
            if (req.url.startsWith('/set')) session.set('v', new URL(req.url, 'http://x').searchParams.get('v'), reply)
            else if (req.url === '/destroy') session.destroy(reply)
            else session.get('v', reply)
          })
        })

        after(() => server && server.close())

        it('persists the session across requests, with the cookies Cookies wrote', async () => {
          const client = createClient(server.url)
          const first = await client.get('/set?v=managed')
          assert.strictEqual(first.status, 200)
          assert.match(first.body.token, TOKEN_RE)
          assert.strictEqual(client.cookie('s').value, first.body.token)
          assert.strictEqual(client.cookie('s').httpOnly, true)
          if (keys) assert.strictEqual(client.cookie('s.sig').value, sign(keys, first.body.token))
          else assert.strictEqual(client.cookie('s.sig'), undefined)
          const second = await client.get('/')
          assert.strictEqual(second.body.token, first.body.token)
          assert.strictEqual(second.body.value, 'managed')
        })

        it('destroy clears the cookie and the data', async () => {
          const client = createClient(server.url)
          const first = await client.get('/set?v=gone')
          await client.get('/destroy')
          assert.strictEqual(client.cookie('s'), undefined)
          assert.strictEqual(client.cookie('s.sig'), undefined)
          const after = await client.get('/')
          assert.notStrictEqual(after.body.token, first.body.token)
          assert.strictEqual(after.body.value, undefined)
          // the old token is empty now, even when presented again
          const replay = await rawGet(server.url + '/', { cookie: keys ? signedHeader(keys, first.body.token) : `s=${first.body.token}` })
          assert.strictEqual(replay.body.token, first.body.token)
          assert.strictEqual(replay.body.value, undefined)
        })

        if (keys) {
          it('refuses a tampered signature through Cookies', async () => {
            const client = createClient(server.url)
            const first = await client.get('/set?v=x')
            const forged = await rawGet(server.url + '/', { cookie: `s=${first.body.token}; s.sig=${sign(['k2'], first.body.token)}` })
            assert.notStrictEqual(forged.body.token, first.body.token)
            assert.strictEqual(forged.body.value, undefined)
          })
        }
      })
    }
  })

  describe('byte for byte with the original', () => {
    const FIXED_NOW = Date.UTC(2024, 1, 29, 12, 34, 56, 789)
    let realNow
    beforeEach(() => {
      realNow = Date.now
      Date.now = () => FIXED_NOW
    })
    afterEach(() => {
      Date.now = realNow
    })

    // Runs both packages on the same request; returns their Set-Cookie lines, last line per name.
    function both (header, options, encrypted = false) {
      const req = () => ({ headers: header === undefined ? {} : { cookie: header }, connection: { encrypted } })
      const oursRes = stubResponse()
      const theirsRes = stubResponse()
      // sameSite: false leaves out the one attribute the defaults add to the original's cookie, so
      // the lines must match it byte for byte.
      const ours = genericSession(req(), oursRes, genericSession.MemoryStore(), Object.assign({ sameSite: false }, options))
      const theirs = original(req(), theirsRes, original.MemoryStore(), options)
      return { ours, theirs, oursRes, theirsRes, oursLines: oursRes.headers['set-cookie'], theirsLines: theirsRes.headers['set-cookie'] }
    }

    const token = 'q1w2e3r4t5y6u7i8o9p0+/ASDFGHJKLzxcvbnm12'

    const cases = [
      ['unsigned, a returning token', `s=${token}`, undefined],
      ['unsigned over TLS', `s=${token}`, undefined, true],
      ['unsigned with cookieName and expire', `sid=${token}`, { cookieName: 'sid', expire: 3600 }],
      ['signed, a valid pair', signedHeader(['k1'], token), { keys: ['k1'] }],
      ['signed over TLS', signedHeader(['k1'], token), { keys: ['k1'] }, true],
      ['signed, rotated from an old key', signedHeader(['old'], token), { keys: ['new', 'old'] }],
      ['signed with cookieName and expire', `sid=${token}; sid.sig=${sign(['k1'], token, 'sid')}`, { keys: ['k1'], cookieName: 'sid', expire: 60 }]
    ]

    for (const [what, header, options, encrypted] of cases) {
      it(`writes the same Set-Cookie lines: ${what}`, () => {
        const { ours, theirs, oursLines, theirsLines } = both(header, options, encrypted)
        assert.strictEqual(ours.token, token)
        assert.strictEqual(theirs.token, token)
        assert.strictEqual(ours.expire.getTime(), theirs.expire.getTime())
        assert.deepStrictEqual(lastLinePerName(oursLines), lastLinePerName(theirsLines))
        // and this package writes each cookie once
        assert.strictEqual(oursLines.length, Object.keys(lastLinePerName(oursLines)).length)
      })
    }

    for (const [what, options] of [['unsigned', undefined], ['signed', { keys: ['k1'] }]]) {
      it(`writes the same lines for a new session, but for the token: ${what}`, () => {
        const { ours, theirs, oursLines, theirsLines } = both(undefined, options)
        assert.notStrictEqual(ours.token, theirs.token)
        const normalise = (lines, t) => {
          const byName = lastLinePerName(lines)
          byName.s = byName.s.replace(t, '<token>')
          if (byName['s.sig']) {
            assert.ok(byName['s.sig'].startsWith(`s.sig=${sign(['k1'], t)};`))
            byName['s.sig'] = byName['s.sig'].replace(sign(['k1'], t), '<sig>')
          }
          return byName
        }
        assert.deepStrictEqual(normalise(oursLines, ours.token), normalise(theirsLines, theirs.token))
      })

      it(`writes the same clearing lines on destroy: ${what}`, async () => {
        const header = options ? signedHeader(['k1'], token) : `s=${token}`
        const { ours, theirs, oursRes, theirsRes } = both(header, options)
        await ours.destroy()
        await new Promise((resolve) => theirs.destroy(resolve))
        const oursLines = lastLinePerName(oursRes.headers['set-cookie'])
        assert.deepStrictEqual(oursLines, lastLinePerName(theirsRes.headers['set-cookie']))
        assert.strictEqual(oursLines.s, 's=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly')
      })
    }
  })
})
