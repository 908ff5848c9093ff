'use strict'

// Sessions of a user (options.users): setUser, getUser, listSessions, revokeOtherSessions, and the
// stores' listSessions and revokeSessions, over real HTTP in every store; exact under concurrent
// logins, and revocation reaches a session its user's index lost.

const assert = require('assert')
const genericSession = require('..')
const MapStore = require('./helpers/map-store')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { api } = require('./helpers/store-promises')

const diagnosticsChannel = require('diagnostics_channel')
const { setTimeout: sleep } = require('timers/promises')

// The messages published on `channel` while `fn` runs.
async function heard (channel, fn) {
  const messages = []
  const listener = (message) => messages.push(message)
  diagnosticsChannel.subscribe(channel, listener)
  try {
    await fn()
  } finally {
    diagnosticsChannel.unsubscribe(channel, listener)
  }
  return messages
}

// /login/<user>?device=… regenerates and binds; /whoami, /list, /others (revoke the others),
// /destroy, /regenerate, /set/<v> and /get as named.
function appOn (filter) {
  return (req, res) => filter(req, res, async () => {
    const send = (value) => res.end(JSON.stringify(value === undefined ? null : value))
    const url = new URL(req.url, 'http://x')
    const s = req.session
    let m
    try {
      if ((m = url.pathname.match(/^\/login\/(.+)$/))) {
        await s.regenerate()
        const device = url.searchParams.get('device')
        await s.setUser(decodeURIComponent(m[1]), device ? { device } : undefined)
        return send({ id: s.id })
      }
      if (url.pathname === '/whoami') return send(await s.getUser())
      if (url.pathname === '/list') return send(await s.listSessions())
      if (url.pathname === '/others') return send(await s.revokeOtherSessions())
      if (url.pathname === '/destroy') return send(await s.destroy())
      if (url.pathname === '/regenerate') return send(await s.regenerate())
      if ((m = url.pathname.match(/^\/set\/(.+)$/))) return send(await s.set('k', m[1]))
      if (url.pathname === '/get') return send(await s.get('k'))
      send('?')
    } catch (err) {
      res.statusCode = 500
      send({ error: err.message })
    }
  })
}

// A custom store with the index methods taken in.
class IndexedMapStore extends MapStore {}
Object.assign(IndexedMapStore.prototype, genericSession.userIndexMethods)

function call (store, method, ...args) {
  return new Promise((resolve, reject) => store[method](...args, (err, value) => (err ? reject(err) : resolve(value))))
}

describe('sessions of a user (options.users)', function () {
  this.timeout(60000)

  forEveryStore((makeStore, kind) => {
    const storeFor = () => {
      if (!kind.custom) return makeStore()
      return new IndexedMapStore()
    }

    async function withApp (options, fn) {
      const store = storeFor()
      const server = await startServer(appOn(genericSession.filter(store, { users: true, ...options })))
      try {
        await fn(server, store)
      } finally {
        await server.close()
      }
    }

    it('binds a session at login and lists it, with its info, as the current one', async () => {
      await withApp({}, async (server) => {
        const phone = createClient(server.url)
        assert.strictEqual((await phone.get('/whoami')).body, null)
        await phone.get('/login/alice?device=phone')
        assert.strictEqual((await phone.get('/whoami')).body, 'alice')
        const laptop = createClient(server.url)
        await laptop.get('/login/alice?device=laptop')
        const { body: list } = await phone.get('/list')
        assert.strictEqual(list.length, 2)
        assert.deepStrictEqual(list.map((s) => s.info.device).sort(), ['laptop', 'phone'])
        assert.deepStrictEqual(list.filter((s) => s.current).map((s) => s.info.device), ['phone'])
        for (const s of list) {
          assert.match(s.id, /^[A-Za-z0-9_-]{16}$/)
          assert.ok(!phone.cookie('s').value.includes(s.id) && !laptop.cookie('s').value.includes(s.id), 'the handle is not the token')
          assert.strictEqual(typeof s.created, 'number')
          assert.strictEqual(typeof s.lastSeen, 'number')
        }
      })
    })

    it('lists all of 50 concurrent logins of one user', async () => {
      await withApp({}, async (server, store) => {
        const browsers = Array.from({ length: 50 }, () => createClient(server.url))
        await Promise.all(browsers.map((b, i) => b.get(`/login/bob?device=d${i}`)))
        const sessions = await call(store, 'listSessions', 'bob')
        assert.strictEqual(sessions.length, 50)
        assert.strictEqual((await store.listSessions('bob')).length, 50, 'without a callback: a Promise')
        assert.deepStrictEqual(sessions.map((s) => s.info.device).sort(), browsers.map((b, i) => `d${i}`).sort())
      })
    })

    it('revokeSessions ends every session of the user, even one its index lost', async () => {
      await withApp({}, async (server, store) => {
        const a = createClient(server.url)
        const b = createClient(server.url)
        const other = createClient(server.url)
        await a.get('/login/carol')
        await a.get('/set/secret-a')
        await b.get('/login/carol')
        await b.get('/set/secret-b')
        await other.get('/login/dave')
        await other.get('/set/kept')
        // b's index entry is lost (as after a crash between two writes).
        const [, entryB] = (await call(store, 'listSessions', 'carol')).map((s) => s.id)
        await api(store).del('\u0000user:carol', entryB)
        assert.strictEqual((await call(store, 'listSessions', 'carol')).length, 1)
        assert.strictEqual(await call(store, 'revokeSessions', 'carol'), 1, 'one session was listed')
        assert.strictEqual((await a.get('/get')).body, null)
        assert.strictEqual((await b.get('/get')).body, null, 'the unlisted session reads nothing either')
        assert.strictEqual((await b.get('/whoami')).body, null)
        assert.strictEqual((await other.get('/get')).body, 'kept', 'another user is untouched')
        assert.deepStrictEqual(await call(store, 'listSessions', 'carol'), [])
        // A login after the revoke holds.
        await a.get('/login/carol')
        await a.get('/set/again')
        assert.strictEqual((await a.get('/get')).body, 'again')
      })
    })

    it('revokeOtherSessions ends the others and keeps this one', async () => {
      await withApp({}, async (server) => {
        const here = createClient(server.url)
        const there = [createClient(server.url), createClient(server.url)]
        await here.get('/login/erin')
        await here.get('/set/mine')
        for (const b of there) {
          await b.get('/login/erin')
          await b.get('/set/theirs')
        }
        assert.strictEqual((await here.get('/others')).body, 2)
        assert.strictEqual((await here.get('/get')).body, 'mine')
        assert.strictEqual((await here.get('/whoami')).body, 'erin')
        for (const b of there) assert.strictEqual((await b.get('/get')).body, null)
        const { body: list } = await here.get('/list')
        assert.strictEqual(list.length, 1)
        assert.ok(list[0].current)
        // Still bound, on the new epoch: a later revoke of everyone ends it too.
        assert.strictEqual((await here.get('/others')).body, 0)
        assert.strictEqual((await here.get('/get')).body, 'mine')
      })
    })

    it('destroy() takes a session off the list, regenerate() keeps it there under its handle', async () => {
      await withApp({}, async (server) => {
        const a = createClient(server.url)
        const b = createClient(server.url)
        await a.get('/login/frank')
        await b.get('/login/frank')
        const before = (await a.get('/list')).body
        await a.get('/regenerate')
        const after = (await a.get('/list')).body
        assert.deepStrictEqual(after.map((s) => s.id).sort(), before.map((s) => s.id).sort())
        assert.strictEqual((await a.get('/whoami')).body, 'frank')
        await b.get('/destroy')
        const left = (await a.get('/list')).body
        assert.strictEqual(left.length, 1)
        assert.ok(left[0].current)
      })
    })

    it('maxSessions: a login past it revokes the oldest', async () => {
      await withApp({ maxSessions: 2 }, async (server) => {
        const first = createClient(server.url)
        const second = createClient(server.url)
        const third = createClient(server.url)
        for (const b of [first, second, third]) {
          await b.get('/login/gina')
          await b.get('/set/data')
          await sleep(5) // distinct login times
        }
        assert.strictEqual((await first.get('/get')).body, null, 'the oldest was revoked')
        assert.strictEqual((await second.get('/get')).body, 'data')
        assert.strictEqual((await third.get('/get')).body, 'data')
        assert.strictEqual((await third.get('/list')).body.length, 2)
      })
    })

    it('lastSeen is written at most once per hundredth of expire', async () => {
      await withApp({ expire: 60 }, async (server, store) => {
        const b = createClient(server.url)
        await b.get('/login/hank')
        const [{ lastSeen: first }] = await call(store, 'listSessions', 'hank', { expire: 60000 })
        await b.get('/get')
        await b.get('/get')
        const [{ lastSeen: same }] = await call(store, 'listSessions', 'hank', { expire: 60000 })
        assert.strictEqual(same, first, 'requests within 600 ms write nothing')
        await sleep(700)
        await b.get('/get')
        await sleep(50) // the write is not waited for by the request
        const [{ lastSeen: later }] = await call(store, 'listSessions', 'hank', { expire: 60000 })
        assert.ok(later > first, `lastSeen moved on (${first} -> ${later})`)
      })
    })

    it('a session whose expiry passed is off the list (and, where the store cannot say it, expired there)', async () => {
      await withApp({ expire: 1 }, async (server, store) => {
        const b = createClient(server.url)
        await b.get('/login/ivy')
        assert.strictEqual((await call(store, 'listSessions', 'ivy', { expire: 1000 })).length, 1)
        await sleep(1200)
        const expired = await heard('generic-session:expired', async () => {
          assert.deepStrictEqual(await call(store, 'listSessions', 'ivy', { expire: 1000 }), [])
        })
        // MemoryStore and LevelStore report expiries as they happen, not from the index.
        const fromIndex = /RedisStore|custom/.test(kind.name) || kind.custom
        assert.strictEqual(expired.length, fromIndex ? 1 : 0, JSON.stringify(expired))
        if (fromIndex) {
          assert.strictEqual(expired[0].user, 'ivy')
          assert.match(expired[0].id, /^[0-9a-f]{32}$/)
        }
      })
    })

    it('a session its user\'s revoke ended, unlisted, is rejected as a revoked user', async () => {
      await withApp({}, async (server, store) => {
        const b = createClient(server.url)
        await b.get('/login/jack')
        await b.get('/set/x')
        // Listed sessions are revoked in the store (their next request finds nothing); one the
        // index lost is caught by its epoch, and rejected.
        const [{ id: handle }] = await call(store, 'listSessions', 'jack')
        await api(store).del('\u0000user:jack', handle)
        await call(store, 'revokeSessions', 'jack')
        const rejected = await heard('generic-session:rejected', async () => {
          assert.strictEqual((await b.get('/get')).body, null)
        })
        assert.deepStrictEqual(rejected.map((m) => [m.reason, m.user]), [['revoked user', 'jack']])
        assert.strictEqual(genericSession.metrics().rejected['revoked user'] > 0, true)
      })
    })
  })

  it('setUser and listSessions without options.users fail, saying so', async () => {
    const store = genericSession.MemoryStore()
    const server = await startServer(appOn(genericSession.filter(store)))
    try {
      const { status, body } = await createClient(server.url).get('/login/zoe')
      assert.strictEqual(status, 500)
      assert.match(body.error, /session\.setUser needs the users option/)
    } finally {
      await server.close()
    }
  })

  it('a custom store without the index methods fails them, naming what is missing', async () => {
    const server = await startServer(appOn(genericSession.filter(new MapStore(), { users: true })))
    try {
      const { status, body } = await createClient(server.url).get('/login/zoe')
      assert.strictEqual(status, 500)
      assert.match(body.error, /the store has no listSessions or revokeSessions/)
    } finally {
      await server.close()
    }
  })

  it('refuses bad user ids and info', async () => {
    const store = genericSession.MemoryStore()
    const filter = genericSession.filter(store, { users: true })
    const server = await startServer((req, res) => filter(req, res, async () => {
      const errors = []
      for (const [user, info] of [[undefined], [''], [{}], ['u', 'text'], ['u', [1]], ['u', { big: 'x'.repeat(2000) }]]) {
        errors.push(await req.session.setUser(user, info).then(() => null, (err) => err.name))
      }
      res.end(JSON.stringify(errors))
    }))
    try {
      const { body } = await createClient(server.url).get('/')
      assert.deepStrictEqual(body, ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'RangeError'])
    } finally {
      await server.close()
    }
  })

  it('options: maxSessions must be a whole number, and idPrefix may not start with NUL', () => {
    assert.throws(() => genericSession.filter(genericSession.MemoryStore(), { maxSessions: 0 }), /options\.maxSessions/)
    assert.throws(() => genericSession.filter(genericSession.MemoryStore(), { maxSessions: 1.5 }), /options\.maxSessions/)
    assert.throws(() => genericSession.filter(genericSession.MemoryStore(), { idPrefix: '\u0000x' }), /options\.idPrefix/)
  })
})
