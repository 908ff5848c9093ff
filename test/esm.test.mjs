// ES module consumers: `import genericSession from 'generic-session'`, the named imports, and the
// deep imports of the original's layout, all resolved through package.json "exports" by name.
import assert from 'assert'
import { createRequire } from 'module'
import genericSession, { middleware, filter, MemoryStore, LevelStore, RedisStore, levelSession, expressStore } from 'generic-session'
import memoryStore from 'generic-session/memory-store'
import levelSessionModule from 'generic-session/level-session'

const require = createRequire(import.meta.url)

describe('ES module import', () => {
  it('the default import is the CommonJS module itself', () => {
    assert.strictEqual(genericSession, require('generic-session'))
    assert.strictEqual(typeof genericSession, 'function')
  })

  it('named imports are its members', () => {
    assert.strictEqual(middleware, genericSession.middleware)
    assert.strictEqual(filter, genericSession.filter)
    assert.strictEqual(MemoryStore, genericSession.MemoryStore)
    assert.strictEqual(LevelStore, genericSession.LevelStore)
    assert.strictEqual(RedisStore, genericSession.RedisStore)
    assert.strictEqual(levelSession, genericSession.levelSession)
    assert.strictEqual(expressStore, genericSession.expressStore)
  })

  it('deep imports match require()', () => {
    assert.strictEqual(memoryStore, require('generic-session/memory-store'))
    assert.strictEqual(levelSessionModule, require('generic-session/level-session'))
    assert.strictEqual(typeof levelSessionModule.LevelStore, 'function')
  })

  it('a session works from ESM', async () => {
    const headers = {}
    const res = { getHeader: (n) => headers[n.toLowerCase()], setHeader: (n, v) => { headers[n.toLowerCase()] = v } }
    const session = genericSession({ headers: {} }, res, MemoryStore())
    await session.set('k', 'v')
    assert.strictEqual(await session.get('k'), 'v')
    assert.match(headers['set-cookie'][0], /^s=/)
  })
})
