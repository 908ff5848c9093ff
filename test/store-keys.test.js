'use strict'

// Session keys and ids as the application gives them: any string is its own key (lone surrogates
// included, which UTF-8 cannot carry), no key can reach a store's or the Session's own records,
// and a key or id that is not a string or a number fails through the callback, the same way in
// every store.

const assert = require('assert')
const genericSession = require('..')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { HOUR, api } = require('./helpers/store-promises')

// Strings that UTF-8 conversion used to make one, and the escape's own characters.
const LOOKALIKES = ['x\uD800', 'x\uDFFF', 'x\uFFFD', 'x\uFDD0', 'x\uFDD0\uE000', 'x\uE000', 'x\uD83D\uDE00', 'x\uDE00\uD83D', 'x']

const BAD = [
  ['a Symbol', Symbol('k')],
  ['an object', { toString: () => 'k' }],
  ['an object whose toString throws', { toString () { throw new Error('no string') } }],
  ['undefined', undefined],
  ['null', null]
]

describe('session keys and ids', function () {
  this.timeout(30000)

  forEveryStore((makeStore, kind) => {
    if (!kind.custom) {
      it('keeps keys that differ only in lone surrogates (or the escape) apart', async () => {
        const s = api(makeStore())
        for (const [i, key] of LOOKALIKES.entries()) await s.set('id', key, i)
        for (const [i, key] of LOOKALIKES.entries()) assert.strictEqual(await s.get('id', key), i, JSON.stringify(key))
        const all = await s.getAll('id')
        assert.deepStrictEqual(Object.keys(all).sort(), [...LOOKALIKES].sort())
        for (const [i, key] of LOOKALIKES.entries()) assert.strictEqual(all[key], i)
        await s.del('id', 'x\uD800')
        assert.strictEqual(await s.get('id', 'x\uFFFD'), 2, 'deleting one leaves its look-alike')
      })

      it('keeps ids that differ only in lone surrogates as different sessions', async () => {
        const s = api(makeStore())
        for (const [i, id] of LOOKALIKES.entries()) await s.set('session:' + id, 'k', i)
        for (const [i, id] of LOOKALIKES.entries()) assert.strictEqual(await s.get('session:' + id, 'k'), i, JSON.stringify(id))
        await s.revoke('session:x\uD800')
        assert.strictEqual(await s.get('session:x\uFFFD', 'k'), 2, 'revoking one leaves its look-alike')
      })

      it('takes a number as its decimal text', async () => {
        const s = api(makeStore())
        await s.set('id', 5, 'five')
        assert.strictEqual(await s.get('id', '5'), 'five')
        assert.deepStrictEqual(await s.getAll('id'), { 5: 'five' })
      })

      it('stores a key named like a store record as a key (\\u0000revoked, \\u0000created)', async () => {
        const s = api(makeStore())
        await s.set('id', '\u0000revoked', 1)
        await s.set('id', '\u0000created', 2)
        await s.set('id', 'a', 3)
        assert.deepStrictEqual(await s.getAll('id'), { '\u0000revoked': 1, '\u0000created': 2, a: 3 })
        assert.strictEqual(await s.get('id', 'a'), 3)
        assert.strictEqual(await s.get('id', '\u0000revoked'), 1)
        await s.del('id', '\u0000revoked')
        assert.deepStrictEqual(await s.getAll('id'), { '\u0000created': 2, a: 3 })
      })

      for (const [what, bad] of BAD) {
        it(`refuses ${what} as a key or id through the callback, changing nothing`, async () => {
          const store = makeStore()
          const s = api(store)
          await s.set('id', 'k', 'kept')
          const calls = [
            ['get', 'id', bad, HOUR], ['set', 'id', bad, 1, HOUR], ['del', 'id', bad, HOUR],
            ['get', bad, 'k', HOUR], ['getAll', bad, HOUR], ['set', bad, 'k', 1, HOUR], ['del', bad, 'k', HOUR],
            ['delAll', bad], ['revoke', bad], ['extend', bad, HOUR], ['move', bad, 'id2', HOUR], ['move', 'id', bad, HOUR]
          ]
          for (const [method, ...args] of calls) {
            let err
            assert.doesNotThrow(() => { err = s.errorOf(method, ...args) }, `${method} does not throw`)
            err = await err
            assert.ok(err instanceof TypeError, `${method}(${args.map((a) => typeof a).join(', ')}): ${err}`)
            assert.match(err.message, /must be a string or a number/)
          }
          assert.deepStrictEqual(await s.getAll('id'), { k: 'kept' })
        })
      }
    }

    // The Session's own records: a key the application picks never reaches them, in any store.
    it('keeps the application\'s \\u0000 keys apart from the Session\'s records (maxLifetime)', async () => {
      const store = makeStore()
      const filter = genericSession.filter(store, { maxLifetime: 3600 })
      const server = await startServer((req, res) => filter(req, res, async () => {
        try {
          if (req.url === '/set') {
            await req.session.set('\u0000created', 'mine')
            await req.session.set('\u0000revoked', 'also mine')
          }
          res.end(JSON.stringify({ all: await req.session.getAll(), created: await req.session.get('\u0000created') }))
        } catch (err) {
          res.statusCode = 500
          res.end(JSON.stringify({ error: err.message }))
        }
      }))
      try {
        const browser = createClient(server.url)
        const { body } = await browser.get('/set')
        assert.deepStrictEqual(body.all, { '\u0000created': 'mine', '\u0000revoked': 'also mine' })
        assert.strictEqual(body.created, 'mine')
        const token = browser.cookie('s').value
        const again = await browser.get('/')
        assert.strictEqual(browser.cookie('s').value, token, 'the same session: its creation time was not overwritten')
        assert.deepStrictEqual(again.body.all, { '\u0000created': 'mine', '\u0000revoked': 'also mine' })
        // The creation time is still a number in the store, under the Session's own record.
        const stored = await api(store).getAll('session:' + token)
        assert.strictEqual(typeof stored['\u0000created'], 'number')
      } finally {
        await server.close()
      }
    })
  })
})
