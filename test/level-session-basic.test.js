'use strict'

// level-session 0.3.4's own tests/basic-test.js, step for step, on
// require('generic-session/level-session') (its functional test is the shared HTTP flow, which
// runs on levelSession through test/helpers/stores.js).

const assert = require('assert')
const genericSession = require('..')
const levelSession = require('../level-session')
const { tempDir, removeDir, closeStore } = require('./helpers/level')
const { stubRequest, stubResponse } = require('./helpers/stubs')

describe('level-session 0.3.4\'s basic test', () => {
  let dir, store, session
  beforeEach(() => {
    dir = tempDir()
    store = levelSession.LevelStore(dir)
    session = genericSession(stubRequest(), stubResponse(), store)
  })
  afterEach(async () => {
    assert.ok(!(await closeStore(store)))
    removeDir(dir)
  })

  it('basic operations: get, set, get, del, get', async () => {
    assert.strictEqual(await session.get('foo'), undefined, 'value should be undefined')
    await session.set('foo', 'bar')
    assert.strictEqual(await session.get('foo'), 'bar', 'foo=bar')
    await session.del('foo')
    assert.strictEqual(await session.get('foo'), undefined, 'value should be undefined')
  })

  it('set many, get them, delete half', async () => {
    const numbers = Array.from({ length: 20 }, (_, i) => i + 1)
    await Promise.all(numbers.map((n) => session.set('foo' + n, n)))
    for (const n of numbers) assert.strictEqual(await session.get('foo' + n), n, 'value should be as expected')
    await Promise.all(numbers.slice(0, 10).map((n) => session.del('foo' + n)))
    for (const n of numbers) {
      assert.strictEqual(await session.get('foo' + n), n <= 10 ? undefined : n, n <= 10 ? 'deleted' : 'value should be as expected')
    }
  })
})
