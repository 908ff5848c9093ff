'use strict'

// Malformed, oversized, garbage and forged Cookie headers over real HTTP: each is treated as no
// cookie (a new session), never crashes the server, and never reaches an existing session's data.

const assert = require('assert')
const Keygrip = require('keygrip')
const genericSession = require('..')
const { startServer, createClient, rawGet } = require('./helpers/http')

const TOKEN_RE = /^[A-Za-z0-9+/]{40}$/

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

// Many small cookies, more than 8 KB in all (under Node's 16 KB header limit).
function manyCookies (middle = '') {
  const cookies = Array.from({ length: 600 }, (_, i) => `cookie${i}=value${i}`)
  if (middle) cookies.splice(300, 0, middle)
  const header = cookies.join('; ')
  assert.ok(header.length > 8 * 1024)
  return header
}

const LATIN1 = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i)).join('')

// Hostile headers that carry no usable token at all.
const malformed = {
  's (no =)': 's',
  's= (empty value)': 's=',
  '= (no name)': '=',
  ';;;': ';;;',
  's=a b (a space)': 's=a b',
  's="quoted"': 's="quoted"',
  's=%00': 's=%00',
  'a value of more than 8 KB': 's=' + 'A'.repeat(8 * 1024 + 100),
  'a header of more than 8 KB of many cookies': manyCookies(),
  'latin1 bytes 0x80-0xff as the value': 's=' + LATIN1,
  'latin1 bytes 0x80-0xff everywhere': LATIN1 + '=' + LATIN1 + '; s' + LATIN1 + '=x',
  'a tab inside the value': 's=a\tb',
  'tabs and separators only': '\t;\t=\t;=;',
  'a lone s.sig': 's.sig=abc'
}

// Hostile headers built around the token `t` of a session that holds data (`sig` is its valid
// signature when signed): each must still start a new session.
function aroundToken (t, sig, signed) {
  const variants = {
    '"token" (quoted)': `s="${t}"`,
    'token, a space and more': `s=${t} x`,
    'token%00': `s=${t}%00`,
    'token followed by latin1 bytes': `s=${t}${LATIN1}`,
    'token, a tab and more': `s=${t}\tb`,
    'token padded to more than 8 KB': `s=${t}${'A'.repeat(8 * 1024 + 100)}`,
    'latin1 bytes then the token': `s=\xe9${t}`
  }
  if (!signed) return variants
  const bad = new Keygrip(['not-the-key']).sign('s=' + t)
  return Object.assign(variants, {
    'token with no signature': `s=${t}`,
    'token with an empty signature': `s=${t}; s.sig=`,
    'token with a signature by another key': `s=${t}; s.sig=${bad}`,
    'token with a signature of garbage bytes': `s=${t}; s.sig=${LATIN1}`,
    'token with its signature followed by latin1': `s=${t}; s.sig=${sig}\xe9`,
    'token with its signature, a space and more': `s=${t}; s.sig=${sig} x`,
    'token with a signature of more than 8 KB': `s=${t}; s.sig=${'A'.repeat(8 * 1024 + 100)}`,
    'token with a wrong signature in a header of many cookies': manyCookies(`s=${t}; s.sig=${bad}`),
    'token with a wrong signature, then the valid one as another cookie': `s=${t}; s.sig=${bad}; s.sig2=${sig}`
  })
}

for (const options of [undefined, { keys: ['k1', 'k0'] }]) {
  const signed = Boolean(options)

  describe(`hostile Cookie headers over HTTP, ${signed ? 'signed' : 'unsigned'}`, () => {
    let server, client, token, sig
    const seen = new Set()

    before(async () => {
      const filter = genericSession.filter(genericSession.MemoryStore(), options)
      server = await startServer((req, res) => filter(req, res, () => {
        const reply = (err, value) => {
          res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ token: req.session.token, id: req.session.id, value }))
        }
        if (req.url === '/set') req.session.set('secret', 'private data', reply)
        else req.session.get('secret', reply)
      }))
      // a real session holding data, whose token the hostile headers carry
      client = createClient(server.url)
      const set = await client.get('/set')
      assert.strictEqual(set.status, 200)
      token = set.body.token
      sig = signed ? client.cookie('s.sig').value : undefined
      assert.strictEqual((await client.get('/')).body.value, 'private data')
      seen.add(token)
    })

    after(() => server && server.close())

    async function assertNewSession (cookie) {
      const { status, body, setCookies } = await rawGet(server.url + '/', { cookie })
      assert.strictEqual(status, 200)
      assert.match(body.token, TOKEN_RE, 'a new 40-character token')
      assert.notStrictEqual(body.token, token, 'not the existing session')
      assert.ok(!seen.has(body.token), 'a token never given before')
      seen.add(body.token)
      assert.strictEqual(body.id, 'session:' + body.token)
      assert.strictEqual(body.value, undefined, 'never the data of an existing session')
      const values = cookieValues(setCookies)
      assert.strictEqual(values.s, body.token, 'the new token is sent back')
      if (signed) assert.strictEqual(values['s.sig'], new Keygrip(options.keys).sign('s=' + body.token))
      else assert.strictEqual(values['s.sig'], undefined)
    }

    describe('when the header is malformed', () => {
      for (const [what, cookie] of Object.entries(malformed)) {
        it(`starts a new session for ${what}`, () => assertNewSession(cookie))
      }
    })

    describe('when the header carries the token of a session with data, mangled', () => {
      // The variants need the token, known only once `before` ran: build them lazily by name.
      const names = Object.keys(aroundToken('T', 'S', signed))
      for (const what of names) {
        it(`starts a new session for ${what}`, () => assertNewSession(aroundToken(token, sig, signed)[what]))
      }
    })

    describe('afterwards', () => {
      it('still serves the normal client its own session and data', async () => {
        const { status, body } = await client.get('/')
        assert.strictEqual(status, 200)
        assert.strictEqual(body.token, token)
        assert.strictEqual(body.value, 'private data')
        assert.strictEqual(client.cookie('s').value, token)
      })

      it('still serves a new normal client', async () => {
        const fresh = createClient(server.url)
        const set = await fresh.get('/set')
        assert.strictEqual(set.status, 200)
        assert.match(set.body.token, TOKEN_RE)
        assert.notStrictEqual(set.body.token, token)
        const got = await fresh.get('/')
        assert.strictEqual(got.body.token, set.body.token)
        assert.strictEqual(got.body.value, 'private data')
      })

      it('took the genuine cookie among many others', async () => {
        const genuine = signed ? `s=${token}; s.sig=${sig}` : `s=${token}`
        const { status, body } = await rawGet(server.url + '/', { cookie: manyCookies(genuine) })
        assert.strictEqual(status, 200)
        assert.strictEqual(body.token, token)
        assert.strictEqual(body.value, 'private data')
      })
    })
  })
}
