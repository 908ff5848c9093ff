'use strict'

// store.move(fromId, toId, expire, cb), regenerate()'s one step, called directly on every store of
// this package: the data goes to the new id, the old id is revoked, and its tombstone names the new
// id, so that a later revoke of the old id ends both.

const assert = require('assert')
const { forEveryStore } = require('./helpers/stores')
const { HOUR, api } = require('./helpers/store-promises')

function withMove (store) {
  const s = api(store)
  s.move = (fromId, toId, expire = HOUR) => new Promise((resolve, reject) => {
    let returned = false
    store.move(fromId, toId, expire, (err) => {
      if (!returned) return reject(new Error('move called back synchronously'))
      err ? reject(err) : resolve()
    })
    returned = true
  })
  return s
}

describe('store.move(fromId, toId, expire, cb)', function () {
  this.timeout(30000)

  forEveryStore((makeStore, kind) => {
    if (kind.custom) return

    it('moves every key to the new id and leaves the old one empty', async () => {
      const s = withMove(makeStore())
      await s.set('old', 'user', 'alice')
      await s.set('old', 'cart', ['book', 1])
      await s.set('old', '\u0000created', 42)
      await s.move('old', 'new')
      assert.deepStrictEqual(await s.getAll('new'), { user: 'alice', cart: ['book', 1], '\u0000created': 42 })
      assert.deepStrictEqual(await s.getAll('old'), {})
    })

    it('drops a late write to the old id (it is revoked)', async () => {
      const s = withMove(makeStore())
      await s.set('old', 'user', 'alice')
      await s.move('old', 'new')
      await s.set('old', 'late', 1)
      assert.deepStrictEqual(await s.getAll('old'), {})
      assert.deepStrictEqual(await s.getAll('new'), { user: 'alice' })
    })

    it('a revoke of the old id afterwards revokes the new one, down two moves', async () => {
      const s = withMove(makeStore())
      await s.set('a', 'user', 'alice')
      await s.move('a', 'b')
      await s.move('b', 'c')
      assert.deepStrictEqual(await s.getAll('c'), { user: 'alice' })
      await s.revoke('a')
      assert.deepStrictEqual(await s.getAll('c'), {})
      await s.set('c', 'late', 1)
      assert.deepStrictEqual(await s.getAll('c'), {}, 'the new id is a tombstone too')
    })

    it('moves nothing from a revoked or an unknown session', async () => {
      const s = withMove(makeStore())
      await s.set('gone', 'user', 'alice')
      await s.revoke('gone')
      await s.move('gone', 'new1')
      assert.deepStrictEqual(await s.getAll('new1'), {})
      await s.move('nobody', 'new2')
      assert.deepStrictEqual(await s.getAll('new2'), {})
      await s.set('new2', 'k', 1)
      assert.deepStrictEqual(await s.getAll('new2'), { k: 1 }, 'the new id is an ordinary, writable session')
    })

    it('replaces whatever was under the new id, and a move to itself changes nothing', async () => {
      const s = withMove(makeStore())
      await s.set('old', 'user', 'alice')
      await s.set('taken', 'stale', true)
      await s.move('old', 'taken')
      assert.deepStrictEqual(await s.getAll('taken'), { user: 'alice' })
      await s.move('taken', 'taken')
      assert.deepStrictEqual(await s.getAll('taken'), { user: 'alice' })
    })

    it('moves a session of 3,000 keys whole', async () => {
      const store = makeStore()
      const s = withMove(store)
      const expected = {}
      await Promise.all(Array.from({ length: 3000 }, (_, i) => {
        expected['k' + i] = i
        return s.set('big', 'k' + i, i)
      }))
      await s.move('big', 'moved')
      assert.deepStrictEqual(await s.getAll('moved'), expected)
      assert.deepStrictEqual(await s.getAll('big'), {})
    })
  })
})
