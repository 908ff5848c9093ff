'use strict'

// lazy: true (no cookie and no store write until the first write) and strict: true (a token no
// store knows is replaced by a fresh one), over real HTTP, in every store.

const assert = require('assert')
const Keygrip = require('keygrip')
const genericSession = require('..')
const { startServer, createClient, rawGet } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { sessionApp } = require('./helpers/session-app')
const { stubRequest, stubResponse } = require('./helpers/stubs')

// The real store, with every call it receives recorded by name.
function recording (store) {
  const calls = []
  const methods = ['get', 'getAll', 'set', 'del', 'delAll']
  const spy = Object.fromEntries(methods.map((name) => [name, (...args) => {
    calls.push(name)
    return store[name](...args)
  }]))
  return { store: spy, calls }
}

const randomToken = () => require('crypto').randomBytes(30).toString('base64')

describe('lazy: true', () => {
  forEveryStore((makeStore) => {
    it('a visit that only reads sends no cookie and writes nothing to the store', async () => {
      const { store, calls } = recording(makeStore())
      const server = await startServer(sessionApp(genericSession.filter(store, { lazy: true })))
      try {
        const { body, setCookies } = await rawGet(server.url + '/read')
        assert.deepStrictEqual(body.data, {})
        assert.deepStrictEqual(setCookies, [])
        assert.deepStrictEqual(calls, [], 'the store was not called at all')
      } finally {
        await server.close()
      }
    })

    it('the first write sends the cookie and stores; the session then goes on as usual', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore(), { lazy: true, keys: ['k'] })))
      try {
        const client = createClient(server.url)
        await client.get('/read')
        assert.strictEqual(client.cookie('s'), undefined)
        const { body: written, setCookies } = await client.get('/set/name/Ada')
        assert.strictEqual(setCookies.length, 2, 's and s.sig')
        assert.strictEqual(written.id, 'session:' + client.cookie('s').value)
        const { body, setCookies: refreshed } = await client.get('/read')
        assert.deepStrictEqual(body.data, { name: 'Ada' })
        assert.strictEqual(refreshed.length, 2, 'a returning session\'s cookie is refreshed as usual')
      } finally {
        await server.close()
      }
    })

    it('a first write after the headers were sent fails and stores nothing', async () => {
      const store = makeStore()
      const res = stubResponse()
      const session = genericSession(stubRequest(), res, store, { lazy: true })
      res.headersSent = true
      await assert.rejects(session.set('k', 1), /first write came after the response headers were sent/)
      assert.deepStrictEqual(await new Promise((resolve) => store.getAll(session.id, 60000, (err, data) => resolve(err || data))), {})
      assert.strictEqual(res.headers['set-cookie'], undefined)
    })
  })
})

describe('strict: true', () => {
  forEveryStore((makeStore) => {
    for (const keys of [undefined, ['server key']]) {
      const how = keys ? 'a validly signed token the store does not know' : 'a made-up token'
      it(`replaces ${how} with a fresh one`, async () => {
        const server = await startServer(sessionApp(genericSession.filter(makeStore(), { strict: true, keys })))
        try {
          const token = randomToken()
          const cookie = keys ? `s=${token}; s.sig=${new Keygrip(keys).sign('s=' + token)}` : `s=${token}`
          const { body, setCookies } = await rawGet(server.url + '/set/name/Mallory', { cookie })
          assert.notStrictEqual(body.id, 'session:' + token, 'the write went to a new id')
          const sent = setCookies.filter((line) => line.startsWith('s=')).pop()
          assert.strictEqual(sent.split(';')[0], 's=' + body.id.slice('session:'.length), 'the new token was sent')
          // The made-up token still names nothing.
          const again = await rawGet(server.url + '/read', { cookie })
          assert.deepStrictEqual(again.body.data, {})
          assert.notStrictEqual(again.body.id, 'session:' + token)
        } finally {
          await server.close()
        }
      })
    }

    it('keeps a token the store knows', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore(), { strict: true })))
      try {
        const client = createClient(server.url)
        const { body: first } = await client.get('/set/name/Ada')
        const { body } = await client.get('/read')
        assert.strictEqual(body.id, first.id)
        assert.deepStrictEqual(body.data, { name: 'Ada' })
      } finally {
        await server.close()
      }
    })

    it('a destroyed session\'s token is not revived by the old cookie', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore(), { strict: true })))
      try {
        const client = createClient(server.url)
        await client.get('/set/name/Ada')
        const old = `s=${client.cookie('s').value}`
        await client.get('/destroy')
        const { body } = await rawGet(server.url + '/set/name/Eve', { cookie: old })
        assert.notStrictEqual(body.id, 'session:' + old.slice(2))
      } finally {
        await server.close()
      }
    })

    it('with lazy: an unknown token becomes a new unsaved session (no cookie until a write)', async () => {
      const server = await startServer(sessionApp(genericSession.filter(makeStore(), { strict: true, lazy: true })))
      try {
        const cookie = `s=${randomToken()}`
        const { body, setCookies } = await rawGet(server.url + '/read', { cookie })
        assert.deepStrictEqual(body.data, {})
        assert.deepStrictEqual(setCookies.filter((l) => l.startsWith('s=') && !l.startsWith(cookie + ';')), [])
      } finally {
        await server.close()
      }
    })
  })

  it('a store error during the check reaches the operation\'s callback', async () => {
    const failing = {
      get (id, key, expire, cb) { cb(new Error('store down')) },
      getAll (id, expire, cb) { cb(new Error('store down')) },
      set (id, key, value, expire, cb) { cb(new Error('store down')) },
      del (id, key, expire, cb) { cb(new Error('store down')) },
      delAll (id, cb) { cb(new Error('store down')) }
    }
    const session = genericSession(stubRequest(`s=${randomToken()}`), stubResponse(), failing, { strict: true })
    await assert.rejects(session.get('k'), /store down/)
  })

  it('bad values throw, naming the option', () => {
    assert.throws(() => genericSession.middleware(genericSession.MemoryStore(), { strict: 'yes' }), /options\.strict must be true or false/)
    assert.throws(() => genericSession.middleware(genericSession.MemoryStore(), { lazy: 1 }), /options\.lazy must be true or false/)
  })
})
