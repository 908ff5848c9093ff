'use strict'

// The original's functional test (tests/functional-test.js, itself from isaacs/RedSess) over real
// HTTP (the shared suite, test/helpers/http-flow-suite.js) on every store (test/helpers/stores.js),
// unsigned and with keys ['secret']; and an Express 5 app using genericSession.middleware.

const assert = require('assert')
const express = require('express')
const genericSession = require('..')
const { startServer, createClient } = require('./helpers/http')
const { assertSessionCookie } = require('./helpers/functional-server')
const { describeHttpFlow } = require('./helpers/http-flow-suite')
const { forEveryStore } = require('./helpers/stores')

describe('the original\'s functional flow', () => {
  forEveryStore((makeStore, kind) => {
    for (const keys of [undefined, ['secret']]) {
      let made
      describeHttpFlow(keys ? 'signed cookies (keys [\'secret\'])' : 'unsigned cookies', () => {
        made = kind.filter(keys && { keys })
        return made.filter
      }, { keys, close: () => made.release(), checkStoreAfterDestroy: true })
    }
  })
})

describe('an Express 5 app with app.use(genericSession.middleware(store))', () => {
  let server

  before(async () => {
    const app = express()
    app.use(genericSession.middleware(genericSession.MemoryStore()))
    app.get('/set', (req, res, next) => {
      req.session.set('name', req.query.name, (err) => err ? next(err) : res.json({ id: req.session.id, same: req.session === res.session }))
    })
    app.get('/get', (req, res, next) => {
      req.session.get('name', (err, name) => err ? next(err) : res.json({ id: req.session.id, name }))
    })
    server = await startServer(app)
  })

  after(() => server && server.close())

  it('sets in one request and gets in the next, through the jar', async () => {
    const client = createClient(server.url)
    const set = await client.get('/set?name=ada')
    assert.strictEqual(set.status, 200)
    assert.strictEqual(set.body.same, true, 'req.session === res.session')
    const c = client.cookie('s')
    assertSessionCookie(c)
    assert.strictEqual(set.body.id, 'session:' + c.value)
    const got = await client.get('/get')
    assert.strictEqual(got.status, 200)
    assert.deepStrictEqual(got.body, { id: set.body.id, name: 'ada' })
  })

  it('gives a client without the cookie its own empty session', async () => {
    const first = createClient(server.url)
    await first.get('/set?name=bob')
    const stranger = createClient(server.url)
    const got = await stranger.get('/get')
    assert.strictEqual(got.status, 200)
    assert.strictEqual(got.body.name, undefined)
    assert.notStrictEqual(got.body.id, (await first.get('/get')).body.id)
  })
})
