'use strict'

// Sessions' lifecycle on node:diagnostics_channel (lib/events.js), over real HTTP: each event and
// each reason a session is rejected, in every store where it applies; expiry where the store can
// tell (MemoryStore's idle sessions, LevelStore's and LevelStore({ db })'s expired ones); the id
// hash; and that with nobody subscribed no message is built and no id hashed.

const assert = require('assert')
const crypto = require('crypto')
const path = require('path')
const { execFileSync } = require('child_process')
const diagnosticsChannel = require('diagnostics_channel')
const Keygrip = require('keygrip')
const Cookies = require('cookies')
const genericSession = require('..')
const { idHash, idHashes } = require('../lib/events')
const { startServer, createClient, rawGet } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { sessionApp, sleep } = require('./helpers/session-app')
const { tempDir, removeDir, closeStore } = require('./helpers/level')
const { BACKENDS, closeDb } = require('./helpers/level-db')

const { channels, MemoryStore, LevelStore } = genericSession

const randomToken = () => crypto.randomBytes(30).toString('base64')
const HASH = /^[0-9a-f]{32}$/

// Subscribes to every channel until stop(); `all` holds [event, message] in the order published.
function listen () {
  const all = []
  const subscriptions = Object.entries(channels).map(([event, name]) => {
    const onMessage = (message) => all.push([event, message])
    diagnosticsChannel.subscribe(name, onMessage)
    return () => diagnosticsChannel.unsubscribe(name, onMessage)
  })
  return {
    all,
    of: (event) => all.filter(([e]) => e === event).map(([, message]) => message),
    events: () => all.map(([event]) => event),
    stop: () => subscriptions.forEach((unsubscribe) => unsubscribe())
  }
}

// Waits (at most `rounds` × 20 ms) until `ready()`; false if it never was.
async function until (ready, rounds = 250) {
  for (let i = 0; i < rounds && !ready(); i++) await sleep(20)
  return ready()
}

describe('lifecycle events (node:diagnostics_channel)', () => {
  let heard
  beforeEach(() => { heard = listen() })
  afterEach(() => heard.stop())

  it('are published on the channels generic-session:created, :regenerated, :destroyed, :expired and :rejected', () => {
    assert.deepStrictEqual(channels, {
      created: 'generic-session:created',
      regenerated: 'generic-session:regenerated',
      destroyed: 'generic-session:destroyed',
      expired: 'generic-session:expired',
      rejected: 'generic-session:rejected'
    })
  })

  forEveryStore((makeStore) => {
    it('created: a new visitor\'s session, once; its id is a 32-digit hash, never the id or the token', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore())))
      try {
        const client = createClient(server.url)
        const { body } = await client.get('/set/name/Ada')
        await client.get('/read')
        await client.get('/count')
        assert.deepStrictEqual(heard.events(), ['created'])
        const [message] = heard.of('created')
        assert.deepStrictEqual(message, { id: idHash(body.id) })
        assert.match(message.id, HASH)
        const token = client.cookie('s').value
        assert.ok(!message.id.includes(token) && !token.includes(message.id) && message.id !== body.id)
        assert.ok(Object.isFrozen(message), 'one subscriber cannot change what the next one sees')
      } finally {
        await server.close()
      }
    })

    it('created, with lazy: when the session is first written, not when it is only read', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore(), { lazy: true })))
      try {
        const client = createClient(server.url)
        await client.get('/read')
        assert.deepStrictEqual(heard.all, [], 'a visit that only reads is no session')
        const { body } = await client.get('/set/name/Ada')
        await client.get('/set/name/Grace')
        assert.deepStrictEqual(heard.all, [['created', { id: idHash(body.id) }]])
      } finally {
        await server.close()
      }
    })

    it('regenerated: the new id, and the old one as `from`', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore(), { keys: ['k'] })))
      try {
        const client = createClient(server.url)
        await client.get('/set/name/Ada')
        const { body } = await client.get('/login')
        assert.deepStrictEqual(heard.all, [
          ['created', { id: idHash(body.before) }],
          ['regenerated', { id: idHash(body.after), from: idHash(body.before) }]
        ])
      } finally {
        await server.close()
      }
    })

    it('destroyed: the session destroy() revoked', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore())))
      try {
        const client = createClient(server.url)
        const { body } = await client.get('/set/name/Ada')
        await client.get('/destroy')
        assert.deepStrictEqual(heard.all, [['created', { id: idHash(body.id) }], ['destroyed', { id: idHash(body.id) }]])
      } finally {
        await server.close()
      }
    })

    it('rejected, \'bad signature\': a signed cookie with a wrong or no signature, then the new session created', async () => {
      const keys = ['server key']
      const server = await startServer(sessionApp(genericSession.filter(makeStore(), { keys })))
      try {
        const token = randomToken()
        const forged = `s=${token}; s.sig=${new Keygrip(['another key']).sign('s=' + token)}`
        const { body } = await rawGet(server.url + '/read', { cookie: forged })
        await rawGet(server.url + '/read', { cookie: `s=${token}` })
        assert.deepStrictEqual(heard.events(), ['rejected', 'created', 'rejected', 'created'])
        const rejected = heard.of('rejected')
        assert.deepStrictEqual(rejected, [
          { id: idHash('session:' + token), reason: 'bad signature' },
          { id: idHash('session:' + token), reason: 'bad signature' }
        ], 'the message names the id the cookie claimed')
        assert.deepStrictEqual(heard.of('created')[0], { id: idHash(body.id) })
      } finally {
        await server.close()
      }
    })

    it('rejected, \'malformed\': a cookie value that is no token', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore())))
      try {
        for (const value of ['a"b', 'x'.repeat(257), '%00%00']) {
          await rawGet(server.url + '/read', { cookie: `s=${value}` })
        }
        assert.deepStrictEqual(heard.of('rejected'), ['a"b', 'x'.repeat(257), '%00%00'].map((value) => ({ id: idHash('session:' + value), reason: 'malformed' })))
        assert.strictEqual(heard.of('created').length, 3)
        heard.all.length = 0
        await rawGet(server.url + '/read', { cookie: 'other=1; s=' })
        assert.deepStrictEqual(heard.events(), ['created'], 'no cookie, or an empty one (what destroy() leaves), is no rejection')
      } finally {
        await server.close()
      }
    })

    it('rejected, \'unknown token\': strict replaces a token no store knows', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore(), { strict: true })))
      try {
        const token = randomToken()
        const { body } = await rawGet(server.url + '/set/name/Mallory', { cookie: `s=${token}` })
        assert.deepStrictEqual(heard.all, [
          ['rejected', { id: idHash('session:' + token), reason: 'unknown token' }],
          ['created', { id: idHash(body.id) }]
        ])
        heard.all.length = 0
        const client = createClient(server.url)
        await client.get('/set/name/Ada')
        await client.get('/read')
        assert.deepStrictEqual(heard.events(), ['created'], 'a token the store knows is kept')
      } finally {
        await server.close()
      }
    })

    it('rejected, \'maxLifetime\': a session past its lifetime, revoked and replaced', async () => {
      const store = makeStore()
      const server = await startServer(sessionApp(genericSession.filter(store, { maxLifetime: 1 })))
      try {
        const client = createClient(server.url)
        const { body: first } = await client.get('/set/name/Ada')
        await sleep(1100)
        // A store that expires sessions (LevelStore, RedisStore) was told to drop this one at the
        // end of its lifetime, and has: the Session then finds an unknown token. The others
        // (MemoryStore, a custom store) still hold it, and the Session finds it past its lifetime.
        const held = await new Promise((resolve) => store.getAll(first.id, 60000, (err, data) => resolve(!err && Object.keys(data).length > 0)))
        heard.all.length = 0
        const { body: later } = await client.get('/read')
        assert.notStrictEqual(later.id, first.id)
        assert.deepStrictEqual(heard.all.filter(([event]) => event !== 'expired'), [
          ['rejected', { id: idHash(first.id), reason: held ? 'maxLifetime' : 'unknown token' }],
          ['created', { id: idHash(later.id) }]
        ])
      } finally {
        await server.close()
      }
    })
  })

  describe('rejected cookies, read by a Keygrip object or a Cookies object', () => {
    const keys = ['server key']
    for (const [how, options] of [
      ['keys as a Keygrip object', () => ({ keys: new Keygrip(keys) })],
      ['a Cookies object (options.cookies)', (req, res) => ({ keys, cookies: new Cookies(req, res, { keys }) })]
    ]) {
      it(`with ${how}: 'bad signature' and 'malformed' as on the native path, and none for a good cookie`, async () => {
        const store = MemoryStore()
        const server = await startServer((req, res) => {
          const session = genericSession(req, res, store, options(req, res))
          session.set('seen', true, () => res.end(JSON.stringify({ id: session.id })))
        })
        try {
          const token = randomToken()
          await rawGet(server.url + '/', { cookie: `s=${token}; s.sig=${new Keygrip(['other']).sign('s=' + token)}` })
          await rawGet(server.url + '/', { cookie: `s=${token}` })
          await rawGet(server.url + '/', { cookie: 's=a"b' })
          assert.deepStrictEqual(heard.of('rejected'), [
            { id: idHash('session:' + token), reason: 'bad signature' },
            { id: idHash('session:' + token), reason: 'bad signature' },
            { id: idHash('session:a"b'), reason: 'malformed' }
          ])
          heard.all.length = 0
          const client = createClient(server.url)
          await client.get('/')
          await client.get('/')
          assert.deepStrictEqual(heard.events(), ['created'])
        } finally {
          await server.close()
        }
      })
    }
  })

  describe('expired, where the store can tell', () => {
    it('MemoryStore: a session idle past cache.maxAge, when a read meets it or a write sweeps it', async () => {
      const store = MemoryStore({ cache: { maxAge: 200 } })
      const server = await startServer(sessionApp(genericSession.filter(store)))
      try {
        const read = createClient(server.url)
        const swept = createClient(server.url)
        const { body: readBody } = await read.get('/set/name/Ada')
        const { body: sweptBody } = await swept.get('/set/name/Grace')
        await sleep(300)
        await read.get('/read')
        assert.deepStrictEqual(heard.of('expired'), [{ id: idHash(readBody.id), store: 'MemoryStore' }])
        await createClient(server.url).get('/set/name/Eve') // a write sweeps the idle ones
        assert.deepStrictEqual(heard.of('expired'), [readBody, sweptBody].map((b) => ({ id: idHash(b.id), store: 'MemoryStore' })))
        assert.strictEqual(store.size, 1)
      } finally {
        await server.close()
      }
    })

    for (const [name, make] of [
      ['LevelStore', (dir, options) => LevelStore({ location: dir, ...options })],
      ['LevelStore without its session cache', (dir, options) => LevelStore({ location: dir, cacheSize: 0, ...options })],
      ...BACKENDS.map((backend) => [`LevelStore({ db }) on ${backend.name}`, (dir, options) => {
        const db = backend.open(dir)
        const store = LevelStore({ db, ...options })
        store.closeDb = () => closeDb(db)
        return store
      }])
    ]) {
      describe(`${name}: a session past its expire`, () => {
        let dir, store
        afterEach(async () => {
          await closeStore(store)
          if (store.closeDb) await store.closeDb()
          removeDir(dir)
        })

        it('found by the sweep', async () => {
          dir = tempDir()
          store = make(dir, { sweepInterval: 50 })
          const server = await startServer(sessionApp(genericSession.filter(store, { expire: 0.3 })))
          try {
            const { body } = await createClient(server.url).get('/set/name/Ada')
            assert.ok(await until(() => heard.of('expired').length > 0), 'the sweep reported it')
            assert.deepStrictEqual(heard.of('expired'), [{ id: idHash(body.id), store: 'LevelStore' }])
          } finally {
            await server.close()
          }
        })

        it('met by the next request, before any sweep', async () => {
          dir = tempDir()
          store = make(dir, { sweepInterval: 3600000 })
          const server = await startServer(sessionApp(genericSession.filter(store, { expire: 0.3 })))
          try {
            const client = createClient(server.url)
            const { body } = await client.get('/set/name/Ada')
            await sleep(400)
            // The client's cookie has expired with the session (or before: its expiry is in whole
            // seconds): send it anyway, as a browser with a longer cookie would.
            await rawGet(server.url + '/read', { cookie: `s=${body.id.slice('session:'.length)}` })
            assert.deepStrictEqual(heard.of('expired'), [{ id: idHash(body.id), store: 'LevelStore' }])
          } finally {
            await server.close()
          }
        })

        it('not a destroyed session\'s tombstone running out', async () => {
          dir = tempDir()
          store = make(dir, { sweepInterval: 50 })
          const server = await startServer(sessionApp(genericSession.filter(store, { expire: 0.3 })))
          try {
            const { body: ada } = await createClient(server.url).get('/set/name/Ada')
            // (its cookie, of whole seconds, may be over already in the client's jar)
            await rawGet(server.url + '/destroy', { cookie: `s=${ada.id.slice('session:'.length)}` })
            assert.deepStrictEqual(heard.of('destroyed'), [{ id: idHash(ada.id) }])
            const { body } = await createClient(server.url).get('/set/name/Grace')
            assert.ok(await until(() => heard.of('expired').length > 0))
            await sleep(500) // past the tombstone's end, and several sweeps
            assert.deepStrictEqual(heard.of('expired'), [{ id: idHash(body.id), store: 'LevelStore' }])
          } finally {
            await server.close()
          }
        })
      })
    }
  })
})

describe('with nobody subscribed', () => {
  // Every event of the flow below happens: created (4), regenerated, destroyed, rejected ('bad
  // signature', 'malformed'), and on the second server (idle sessions expire there) an expiry.
  async function everyEvent (url, idleUrl) {
    const client = createClient(url)
    await client.get('/set/name/Ada')
    await client.get('/login')
    await client.get('/destroy')
    await rawGet(url + '/read', { cookie: `s=${randomToken()}` })
    await rawGet(url + '/read', { cookie: 's=a"b' })
    const idle = createClient(idleUrl)
    await idle.get('/set/name/Grace')
    await sleep(150)
    await idle.get('/read')
  }

  it('no message is built and no id hashed; subscribing turns it on and unsubscribing off again', async () => {
    const server = await startServer(sessionApp(genericSession.filter(MemoryStore(), { keys: ['k'] })))
    const idleServer = await startServer(sessionApp(genericSession.filter(MemoryStore({ cache: { maxAge: 100 } }))))
    const everyEventOnce = () => everyEvent(server.url, idleServer.url)
    try {
      for (const name of Object.values(channels)) assert.ok(!diagnosticsChannel.channel(name).hasSubscribers, `${name} has no subscriber`)
      const before = { hashes: idHashes(), metrics: genericSession.metrics() }
      await everyEventOnce()
      const after = genericSession.metrics()
      assert.strictEqual(idHashes(), before.hashes, 'no id was hashed')
      // The events happened all the same: the counters saw them.
      assert.strictEqual(after.created - before.metrics.created, 4)
      assert.strictEqual(after.regenerated - before.metrics.regenerated, 1)
      assert.strictEqual(after.destroyed - before.metrics.destroyed, 1)
      assert.strictEqual(after.expired.MemoryStore - before.metrics.expired.MemoryStore, 1)

      // One subscriber, on created: only its messages are built.
      const messages = []
      const onCreated = (message) => messages.push(message)
      diagnosticsChannel.subscribe(channels.created, onCreated)
      const whileSubscribed = idHashes()
      try {
        await everyEventOnce()
      } finally {
        diagnosticsChannel.unsubscribe(channels.created, onCreated)
      }
      assert.strictEqual(messages.length, 4)
      assert.strictEqual(idHashes() - whileSubscribed, 4, 'one hash per created message, none for the other events')

      const unsubscribed = idHashes()
      await everyEventOnce()
      assert.strictEqual(idHashes(), unsubscribed, 'off again')
    } finally {
      await server.close()
      await idleServer.close()
    }
  })

  it('the native stores keep no expired ids, and do while anyone listens for them', async () => {
    const store = MemoryStore({ cache: { maxAge: 50 } })
    const core = store._core // the native half, called directly so that nothing takes the ids first
    const expireOne = async (id) => {
      await new Promise((resolve) => store.set(id, 'k', 1, 0, resolve)) // a store call, which tells the native side who listens
      await sleep(80)
      core.get(id, 'k')
    }
    await expireOne('nobody listens')
    assert.strictEqual(core.takeExpired(), null)
    const onExpired = () => {}
    diagnosticsChannel.subscribe(channels.expired, onExpired)
    try {
      await expireOne('someone listens')
      assert.deepStrictEqual(core.takeExpired(), ['someone listens'])
    } finally {
      diagnosticsChannel.unsubscribe(channels.expired, onExpired)
    }
    await expireOne('nobody again')
    assert.strictEqual(core.takeExpired(), null)
  })
})

describe('the id hash', () => {
  // A fresh process with the given session options prints idHash('session:abc').
  const hashIn = (options) => execFileSync(process.execPath, ['-e', `
    const genericSession = require(${JSON.stringify(path.join(__dirname, '..'))})
    genericSession.middleware(genericSession.MemoryStore(), ${JSON.stringify(options)})
    process.stdout.write(require(${JSON.stringify(path.join(__dirname, '../lib/events'))}).idHash('session:abc'))
  `]).toString()

  it('with signing keys: HMAC-SHA256 under a key derived from the newest, so processes sharing keys agree', () => {
    const derived = crypto.createHmac('sha256', 'newest').update('generic-session: event id hash key').digest()
    const expected = crypto.createHmac('sha256', derived).update('session:abc').digest('hex').slice(0, 32)
    assert.strictEqual(hashIn({ keys: ['newest', 'older'] }), expected)
    assert.strictEqual(hashIn({ keys: ['newest'] }), expected, 'older keys play no part')
    assert.notStrictEqual(hashIn({ keys: ['another'] }), expected)
  })

  it('without keys: a random key per process', () => {
    const one = hashIn({})
    assert.match(one, HASH)
    assert.notStrictEqual(hashIn({}), one)
  })
})
