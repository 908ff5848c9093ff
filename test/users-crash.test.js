'use strict'

// Sessions of a user through failures: a revoke racing another, in every store.

const assert = require('assert')
const genericSession = require('..')
const MapStore = require('./helpers/map-store')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { relayOf } = require('./helpers/relay-store')
const { usersApp, indexOf, EPOCH } = require('./helpers/users-app')

// A custom store with the index methods taken in.
class IndexedMapStore extends MapStore {}
Object.assign(IndexedMapStore.prototype, genericSession.userIndexMethods)

describe('sessions of a user through crashes', function () {
  this.timeout(60000)

  describe('a revoke racing another, in every store', () => {
    forEveryStore((makeStore, kind) => {
      async function withApp (options, fn) {
        const real = kind.custom ? new IndexedMapStore() : makeStore()
        const store = relayOf(real)
        const server = await startServer(usersApp(genericSession.filter(store, { users: true, ...options }), store))
        try {
          await fn({ server, store })
        } finally {
          await server.close()
        }
      }

      it('revokeSessions ending the session whose revokeOtherSessions is under way leaves it off the list', async () => {
        await withApp({}, async ({ server, store }) => {
          const kept = createClient(server.url)
          const other = createClient(server.url)
          await kept.get('/set/v-kept')
          await kept.get('/login/tess?tag=kept')
          await other.get('/set/v-other')
          await other.get('/login/tess?tag=other')
          // The kept session's revokeOtherSessions has told it the next epoch; its write of that
          // epoch is slow, and the administrator's revokeSessions runs whole meanwhile.
          const slow = store.hold((method, args) => method === 'set' && args[0] === indexOf('tess') && args[1] === EPOCH)
          const others = kept.get('/others')
          await slow.reached
          assert.strictEqual(await store.revokeSessions('tess'), 2, 'the administrator ended both sessions')
          slow.release()
          assert.strictEqual((await others).status, 200)
          assert.strictEqual((await kept.get('/get')).body, null, 'the kept session, ended by the administrator, reads nothing')
          assert.strictEqual((await kept.get('/whoami')).body, null, 'and is bound to nobody')
          assert.strictEqual((await other.get('/get')).body, null)
          assert.deepStrictEqual(await store.listSessions('tess'), [], 'no session of the user is left, none is listed')
        })
      })
    })
  })
})
