'use strict'

// level-session over real HTTP (the original's functional flow runs on levelSession(dir), unsigned
// and signed, through test/helpers/stores.js): sessions that outlive a server restart; the options that go on to genericSession; and the shape
// of require('generic-session/level-session').

const assert = require('assert')
const fs = require('fs')
const genericSession = require('..')
const levelSessionModule = require('../level-session')
const { startServer, createClient, rawGet } = require('./helpers/http')
const { obj, str, functionalHandler, assertSessionCookie } = require('./helpers/functional-server')
const { sleep, tempDir, removeDir, closeStore, closeQuietly } = require('./helpers/level')
const { stubRequest, stubResponse } = require('./helpers/stubs')

// Each test with its own directory; the filter and server a test opens are closed after it.
describe('levelSession', () => {
  let dir, filter, server
  beforeEach(() => { dir = tempDir() })
  afterEach(async () => {
    if (server) await server.close()
    await closeQuietly(filter)
    server = filter = undefined
    removeDir(dir)
  })

  describe('sessions survive a server restart', () => {
    for (const options of [{}, { keys: ['new key', 'old key'] }]) {
      it(`the same client sees its data through a new server and a new levelSession on the same dir${options.keys ? ' (signed)' : ''}`, async () => {
        filter = genericSession.levelSession({ location: dir, ...options })
        server = await startServer(functionalHandler(filter))
        const client = createClient(server.url)
        const other = createClient(server.url)
        await client.get('/set/str')
        const { body: before } = await client.get('/set/obj')
        await other.get('/set/str')
        const token = client.cookie('s').value

        // restart: the server and the filter close, a new one opens the same directory
        await server.close()
        assert.ok(!(await closeStore(filter)))
        filter = genericSession.levelSession({ location: dir, ...options })
        server = await startServer(functionalHandler(filter))

        // the same jars (cookies are not per port): moved to clients of the new server
        const again = createClient(server.url)
        for (const c of client.cookies()) again.jar.setCookieSync(c, server.url)
        const otherAgain = createClient(server.url)
        for (const c of other.cookies()) otherAgain.jar.setCookieSync(c, server.url)

        const { status, body } = await again.get('/get/all')
        assert.strictEqual(status, 200)
        assert.deepStrictEqual(body, { id: before.id, ok: true, data: { str, obj } })
        assert.strictEqual(again.cookie('s').value, token, 'the same session cookie')
        const theirs = await otherAgain.get('/get/all')
        assert.deepStrictEqual(theirs.body.data, { str })
        assert.notStrictEqual(theirs.body.id, body.id)
      })
    }
  })

  describe('options', () => {
    it('passes cookieName and idPrefix on to genericSession', async () => {
      filter = genericSession.levelSession({ location: dir, cookieName: 'sid', idPrefix: 'app:' })
      server = await startServer(functionalHandler(filter))
      const client = createClient(server.url)
      const { body } = await client.get('/set/str')
      const c = client.cookie('sid')
      assertSessionCookie(c, undefined, 'sid')
      assert.strictEqual(client.cookie('s'), undefined)
      assert.strictEqual(body.id, 'app:' + c.value)
      const all = await client.get('/get/all')
      assert.deepStrictEqual(all.body, { id: body.id, ok: true, data: { str } })
    })

    it('passes expire (seconds) on: the cookie, and the store in ms, so the data expires', async () => {
      filter = genericSession.levelSession({ location: dir, expire: 1 })
      server = await startServer(functionalHandler(filter))
      const set = await rawGet(server.url + '/set/str', {})
      const line = set.setCookies.find((l) => l.startsWith('s='))
      assert.ok(line, set.setCookies.join('\n'))
      const expires = Date.parse(line.match(/expires=([^;]+)/)[1])
      assert.ok(Math.abs(expires - (Date.now() + 1000)) < 2000, `cookie expires in about a second: ${line}`)
      const cookie = line.split(';')[0]

      const fresh = await rawGet(server.url + '/get/all', { cookie })
      assert.deepStrictEqual(fresh.body, { id: set.body.id, ok: true, data: { str } }, 'readable within the second')
      await sleep(1600)
      const stale = await rawGet(server.url + '/get/all', { cookie })
      assert.strictEqual(stale.body.id, set.body.id, 'the same session id')
      assert.deepStrictEqual(stale.body.data, {}, 'idle for 1.6 s with expire 1 s: the data is gone')
    })

    it('throws synchronously naming location when there is none', () => {
      assert.throws(() => genericSession.levelSession(), (err) => err instanceof TypeError && /location/.test(err.message))
      assert.throws(() => genericSession.levelSession({ keys: ['k'] }), (err) => err instanceof TypeError && /location/.test(err.message))
    })

    it('throws synchronously naming keys for bad keys, leaving the location free', async () => {
      assert.throws(() => genericSession.levelSession({ location: dir, keys: 'not an array' }), /invalid keys provided/)
      filter = genericSession.levelSession(dir)
      assert.strictEqual(typeof filter, 'function')
    })

    it('throws for express-session\'s options, saying what to use, leaving the location free', async () => {
      assert.throws(() => genericSession.levelSession({ location: dir, secret: 'x' }), (err) =>
        err instanceof TypeError && /^options\.secret is an express-session option: use keys/.test(err.message))
      assert.throws(() => genericSession.levelSession({ location: dir, name: 'sid', store: {} }), (err) =>
        err instanceof TypeError && /^options name, store are express-session options:\n {2}name: use cookieName\n {2}store: /.test(err.message))
      filter = genericSession.levelSession(dir)
      assert.strictEqual(typeof filter, 'function')
    })
  })
})

describe('require(\'generic-session/level-session\')', () => {
  let dir
  beforeEach(() => { dir = tempDir() })
  afterEach(() => removeDir(dir))

  it('is the levelSession function, with .LevelStore', () => {
    assert.strictEqual(typeof levelSessionModule, 'function')
    assert.strictEqual(levelSessionModule, genericSession.levelSession)
    assert.strictEqual(typeof levelSessionModule.LevelStore, 'function')
    assert.strictEqual(levelSessionModule.LevelStore, genericSession.LevelStore)
  })

  it('returns a filter (req, res, next) with .close(cb)', async () => {
    const filter = levelSessionModule(dir)
    try {
      assert.strictEqual(typeof filter, 'function')
      assert.strictEqual(typeof filter.close, 'function')
      const req = stubRequest()
      const res = stubResponse()
      let nexted = false
      filter(req, res, () => { nexted = true })
      assert.ok(nexted, 'next() is called synchronously')
      assert.ok(req.session, 'req.session is set')
      assert.strictEqual(req.session, res.session)
      assert.match(req.session.id, /^session:.{40}$/)
      assert.ok(String(res.headers['set-cookie']).startsWith('s='), 'the cookie is written')
      await new Promise((resolve, reject) => req.session.set('k', 'v', (err) => err ? reject(err) : resolve()))
      const value = await new Promise((resolve, reject) => req.session.get('k', (err, v) => err ? reject(err) : resolve(v)))
      assert.strictEqual(value, 'v')
    } finally {
      assert.ok(!(await closeStore(filter)), 'close calls back without error')
    }
    assert.ok(!(await closeStore(filter)), 'a second close calls back without error')
    // closed: the location is free again
    assert.ok(fs.statSync(dir).isDirectory())
    const store = levelSessionModule.LevelStore(dir)
    assert.ok(!(await closeStore(store)))
  })

  it('takes an options object too', async () => {
    const filter = levelSessionModule({ location: dir, keys: ['secret'] })
    try {
      const req = stubRequest()
      const res = stubResponse()
      filter(req, res, () => {})
      const cookies = [].concat(res.headers['set-cookie'])
      assert.ok(cookies.some((line) => line.startsWith('s.sig=')), cookies.join('\n'))
    } finally {
      assert.ok(!(await closeStore(filter)))
    }
  })
})
