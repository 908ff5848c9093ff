'use strict'

// LevelStore never loses a session: live sessions stay readable through mass expiry, sweeps and
// mass destruction (and after reopening); the directory lock holds for the store's whole life,
// compaction included; a damaged directory never hangs the process; a write acknowledged before
// kill -9 survives it with a million sessions in the store. Children run
// test/fixtures/level-store-child.js.

const assert = require('assert')
const fs = require('fs')
const path = require('path')
const genericSession = require('..')
const { HOUR, sleep, tempDir, removeDir, api, closeStore, closeQuietly, Child, runChild } = require('./helpers/level')

const { LevelStore } = genericSession
const LIVE = 3000
const YEAR = 365 * 24 * HOUR

// Runs `op(i)` for i in [0, count) with `width` in flight.
async function each (count, op, width = 100) {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await op(next++)
  }))
}

const liveId = (i) => 'session:live' + i
const profile = (i) => ({ user: i, name: 'user ' + i })

async function writeLive (s) {
  await each(LIVE, async (i) => {
    await s.set(liveId(i), 'profile', profile(i), YEAR)
    await s.set(liveId(i), 'n', i, YEAR)
  })
}

// The live sessions that `get` or `getAll` do not read back whole.
async function unreadable (s) {
  const lost = []
  await each(LIVE, async (i) => {
    const byGet = await s.get(liveId(i), 'profile', YEAR)
    const all = await s.getAll(liveId(i), YEAR)
    if (!byGet || byGet.user !== i || all.n !== i || !all.profile || all.profile.user !== i) lost.push(i)
  })
  return lost
}

// Every regular file under `dir`, relative to it.
function filesUnder (dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return filesUnder(full, base)
    return entry.isFile() ? [path.relative(base, full)] : []
  })
}

describe('LevelStore never loses a live session', function () {
  this.timeout(120000)
  let dir, store, children
  beforeEach(() => {
    dir = tempDir()
    children = []
  })
  afterEach(async () => {
    for (const child of children) await child.kill()
    await closeQuietly(store)
    removeDir(dir)
  })

  async function reopened () {
    assert.ok(!(await closeStore(store)))
    store = LevelStore({ location: dir, sweepInterval: 50 })
    return api(store)
  }

  it('after 48,000 others expire and are swept: all 3,000 live sessions read back by get and getAll, also after reopening', async () => {
    store = LevelStore({ location: dir, sweepInterval: 50 })
    const s = api(store)
    await writeLive(s)
    await each(48000, (i) => s.set('session:short' + i, 'k', i, 300))
    await sleep(300)
    // The sweeper removes them; a read of one finds it gone either way.
    for (let waited = 0; waited < 20000 && (await s.getAll('session:short47999', 300)).k !== undefined; waited += 100) await sleep(100)
    await sleep(2000) // sweep passes run every 50 ms, 1,000 sessions each
    assert.deepStrictEqual(await unreadable(s), [], 'live sessions lost after the sweep')
    assert.deepStrictEqual(await s.getAll('session:short123', 300), {}, 'an expired session is gone')
    assert.deepStrictEqual(await unreadable(await reopened()), [], 'live sessions lost after reopening')
  })

  it('after 40,000 others are destroyed: all 3,000 live sessions read back by get and getAll, also after reopening', async () => {
    store = LevelStore({ location: dir, sweepInterval: 50 })
    const s = api(store)
    await writeLive(s)
    await each(40000, (i) => s.set('session:gone' + i, 'k', i, HOUR))
    await each(40000, (i) => s.revoke('session:gone' + i))
    await sleep(500)
    assert.deepStrictEqual(await unreadable(s), [], 'live sessions lost after the destruction')
    assert.deepStrictEqual(await s.getAll('session:gone77', HOUR), {}, 'a destroyed session is empty')
    assert.deepStrictEqual(await unreadable(await reopened()), [], 'live sessions lost after reopening')
  })

  it('a second process retrying the location all through a mass sweep never opens it, and is told the path and the holder\'s pid', async () => {
    store = LevelStore({ location: dir, sweepInterval: 20 })
    const s = api(store)
    await writeLive(s)
    await each(60000, (i) => s.set('session:short' + i, 'k', i, 1500))
    // The child retries from before the expiry until well after the sweep (and its compaction).
    const retrier = new Child('retry-open', dir, 8000)
    children.push(retrier)
    const report = JSON.parse(await retrier.waitForLine((line) => line.startsWith('{'), 'the retry report', 30000))
    assert.ok(report.attempts > 100, `the child kept trying: ${JSON.stringify(report)}`)
    assert.strictEqual(report.opened, 0, `the child opened the location ${report.opened} times while this process held it`)
    assert.ok(report.error.includes(dir), `the error names the path: ${report.error}`)
    assert.match(report.error, /in use/)
    assert.ok(report.error.includes(`process ${process.pid}`), `the error names the holder's pid: ${report.error}`)
    assert.deepStrictEqual(await unreadable(s), [])
    assert.deepStrictEqual(await s.getAll('session:short9', 1500), {}, 'the short sessions expired meanwhile')
  })
})

describe('a damaged LevelStore directory never hangs the process', function () {
  this.timeout(300000)
  let pristine, dir
  before(async () => {
    pristine = tempDir()
    const writer = await runChild('write-close', pristine)
    assert.strictEqual(writer.code, 0, writer.stderr)
  })
  after(() => removeDir(pristine))
  afterEach(() => removeDir(dir))

  // The child opens the damaged copy and reads every session of the dataset; it must exit by
  // itself, with an error naming the path wherever it could not read.
  async function probe (damage) {
    const damaged = []
    for (const file of filesUnder(pristine)) {
      if (/lock/i.test(path.basename(file))) continue
      dir = tempDir()
      fs.cpSync(pristine, dir, { recursive: true })
      if (!damage(path.join(dir, file))) continue
      damaged.push(file)
      const child = await runChild('probe', dir)
      assert.strictEqual(child.signal, null, `${file}: the child was killed (${child.signal}): a hang or a crash\n${child.stderr}`)
      assert.strictEqual(child.code, 0, `${file}: the child failed\n${child.stderr}`)
      const result = JSON.parse(child.lines[0])
      if (result.openError) {
        assert.ok(result.openError.includes(dir), `${file}: the open error names the path: ${result.openError}`)
      } else {
        for (const [id, read] of Object.entries(result.reads)) {
          if (read.error) assert.ok(read.error.includes(dir), `${file}: a read error names the path: ${read.error}`)
          else assert.ok(read.data && typeof read.data === 'object', `${file}: ${id} answered`)
        }
      }
      removeDir(dir)
      dir = null
    }
    return damaged
  }

  it('with each file truncated to half, in turn: the open throws naming the path, or every read answers', async () => {
    const damaged = await probe((file) => {
      const size = fs.statSync(file).size
      if (size < 2) return false
      fs.truncateSync(file, Math.floor(size / 2))
      return true
    })
    assert.ok(damaged.length >= 2, `damaged: ${damaged}`)
  })

  it('with each file\'s tail garbled, in turn: the open throws naming the path, or every read answers', async () => {
    const damaged = await probe((file) => {
      const bytes = fs.readFileSync(file)
      if (bytes.length < 2) return false
      for (let i = Math.floor(bytes.length / 2); i < bytes.length; i++) bytes[i] = (bytes[i] * 31 + 7) & 0xff
      fs.writeFileSync(file, bytes)
      return true
    })
    assert.ok(damaged.length >= 2, `damaged: ${damaged}`)
  })
})

describe('LevelStore with a million sessions, through kill -9', function () {
  this.timeout(600000)
  const COUNT = 1000000
  let dir, child, store
  before(() => { dir = tempDir() })
  after(async () => {
    if (child) await child.kill()
    await closeQuietly(store)
    removeDir(dir)
  })

  it('every write acknowledged before the kill reads back after it', async () => {
    child = new Child('fill-kill', dir, COUNT)
    await child.waitForLine((line) => line === 'done', 'a million acknowledged writes', 540000)
    const { signal } = await child.kill()
    assert.strictEqual(signal, 'SIGKILL')
    store = LevelStore(dir)
    const s = api(store)
    const lost = []
    await each(COUNT, async (i) => {
      const value = await s.get('session:' + i, 'profile', HOUR)
      if (!value || value.user !== i) lost.push(i)
    })
    assert.strictEqual(lost.length, 0, `lost ${lost.length}, e.g. ${lost.slice(0, 5)}`)
  })
})
