'use strict'

// LevelStore across processes (children run test/fixtures/level-store-child.js): data outlives
// the process that wrote it, with or without close, even when that process is killed with
// SIGKILL in the middle of heavy writing; and one process at a time holds a location.

const assert = require('assert')
const fs = require('fs')
const path = require('path')
const genericSession = require('..')
const { sessions, HAMMER_SESSIONS, PAD } = require('./fixtures/level-dataset')
const { HOUR, tempDir, removeDir, api, closeStore, closeQuietly, Child, runChild } = require('./helpers/level')

const { LevelStore } = genericSession

// Reads the dataset's sessions back in this process.
async function readDataset (dir) {
  const store = LevelStore(dir)
  try {
    const s = api(store)
    const result = {}
    for (const id of Object.keys(sessions)) result[id] = await s.getAll(id, HOUR)
    return result
  } finally {
    assert.ok(!(await closeStore(store)))
  }
}

describe('LevelStore across processes', () => {
  let dir, children, stores
  beforeEach(() => {
    dir = tempDir()
    children = []
    stores = []
  })

  afterEach(async () => {
    for (const child of children) await child.kill()
    for (const store of stores) await closeQuietly(store)
    removeDir(dir)
  })

  const child = (mode, location = dir) => {
    const c = new Child(mode, location)
    children.push(c)
    return c
  }

  describe('persistence across a restart', () => {
    it('keeps what a process wrote and closed: another process and this one read it all back', async () => {
      const writer = await runChild('write-close', dir)
      assert.strictEqual(writer.code, 0, `the writer exits by itself after close: ${JSON.stringify(writer)}`)
      assert.deepStrictEqual(writer.lines, ['closed'])

      const reader = await runChild('read', dir)
      assert.strictEqual(reader.code, 0, reader.stderr)
      assert.deepStrictEqual(JSON.parse(reader.lines[0]), sessions, 'read back by a second process')

      assert.deepStrictEqual(await readDataset(dir), sessions, 'read back by the test process')
    })

    it('keeps what a process wrote without closing, when it is then killed with SIGKILL', async () => {
      const writer = child('write-kill')
      await writer.waitForLine((line) => line === 'done', 'the writer acknowledges every write')
      const { signal } = await writer.kill('SIGKILL')
      assert.strictEqual(signal, 'SIGKILL')
      assert.deepStrictEqual(await readDataset(dir), sessions)
    })

    it('survives three write-then-SIGKILL rounds in a row', async () => {
      for (let round = 0; round < 3; round++) {
        const writer = child('write-kill')
        await writer.waitForLine((line) => line === 'done', `round ${round}: the writer acknowledges every write`)
        await writer.kill('SIGKILL')
      }
      assert.deepStrictEqual(await readDataset(dir), sessions)
    })
  })

  describe('kill -9 during heavy writing', () => {
    // Runs the hammer child from key number `from` until it has acknowledged `target` writes,
    // kills it with SIGKILL on the spot, and resolves to the acknowledged key numbers.
    async function hammerUntilKilled (from, target) {
      const writer = new Child('hammer', dir, from)
      children.push(writer)
      const acked = []
      writer.onLine = (line) => {
        if (!/^\d+$/.test(line)) return
        acked.push(Number(line))
        if (acked.length === target) writer.proc.kill('SIGKILL') // right away, mid-stream
      }
      const { signal } = await writer.exit(45000)
      assert.strictEqual(signal, 'SIGKILL', `the writer was killed, not ended: ${JSON.stringify(writer.exitInfo)} ${writer.stderr}`)
      assert.ok(acked.length >= target, `${acked.length} writes acknowledged before the kill`)
      return acked
    }

    // Opens the directory here and checks every acknowledged write: resolves to the open store.
    async function checkAcknowledged (acked, label) {
      const store = LevelStore(dir)
      stores.push(store)
      const s = api(store)
      const stored = {}
      for (let i = 0; i < HAMMER_SESSIONS; i++) stored['hammer-' + i] = await s.getAll('hammer-' + i, HOUR)
      const lost = acked.filter((n) => !('k' + n in stored['hammer-' + (n % HAMMER_SESSIONS)]))
      let present = 0
      const corrupt = []
      for (const [id, data] of Object.entries(stored)) {
        for (const [key, value] of Object.entries(data)) {
          present++
          const n = Number(key.slice(1))
          if (id !== 'hammer-' + (n % HAMMER_SESSIONS) || !value || value.n !== n || value.pad !== PAD) corrupt.push(`${id}/${key}`)
        }
      }
      console.log(`      ${label}: ${acked.length} acknowledged writes, ${present} records on disk, ${lost.length} acknowledged-but-lost`)
      assert.strictEqual(lost.length, 0, `acknowledged but lost: ${lost.slice(0, 20).join(', ')}`)
      assert.deepStrictEqual(corrupt, [], 'every record on disk is one the writer set')
      return { store, s }
    }

    it('loses none of the writes acknowledged before the kill', async function () {
      this.timeout(60000) // 2000 acknowledged writes on a slow disk, then reading them back
      const acked = await hammerUntilKilled(0, 2000)
      const { s } = await checkAcknowledged(acked, 'kill -9 once')
      // the store is usable after the crash
      await s.set('after', 'k', 'crash')
      assert.strictEqual(await s.get('after', 'k'), 'crash')
    })

    it('loses none over three kills in a row in the same directory, each recovering the last', async function () {
      this.timeout(90000)
      const acked = []
      for (let round = 0; round < 3; round++) {
        // each round starts past every number the earlier rounds may have issued
        acked.push(...await hammerUntilKilled(round * 1000000, 3000 + round * 1500))
      }
      await checkAcknowledged(acked, 'kill -9 three times')
    })
  })

  describe('a new location whose first open is killed', () => {
    // The kill is sent the moment the engine's folder shows up, so it lands while the engine is
    // making its files: the next open must still work (it once failed for good with "File exists").
    it('opens at the next try and keeps sessions, whenever in the making the kill came', async () => {
      const TRIALS = 12
      let midway = 0
      for (let trial = 0; trial < TRIALS; trial++) {
        const location = path.join(dir, 'trial' + trial)
        const engineFolderShown = () => fs.existsSync(path.join(location, 'fjall3.making')) || fs.existsSync(path.join(location, 'fjall3'))
        const opener = child('hold', location)
        const deadline = Date.now() + 15000
        // A busy wait on purpose: a timer would let the creation finish before the kill.
        while (!engineFolderShown() && !opener.exitInfo && Date.now() < deadline) fs.statSync(dir)
        opener.proc.kill('SIGKILL')
        const { signal } = await opener.exited
        assert.strictEqual(signal, 'SIGKILL', `trial ${trial}: the opener ended by itself: ${opener.stderr}`)
        if (!fs.existsSync(path.join(location, 'fjall3', 'version'))) midway++
        const store = LevelStore(location)
        try {
          const s = api(store)
          await s.set('id', 'k', trial)
          assert.strictEqual(await s.get('id', 'k'), trial)
        } finally {
          assert.ok(!(await closeStore(store)))
        }
        const reopened = LevelStore(location)
        try {
          assert.strictEqual(await api(reopened).get('id', 'k'), trial, `trial ${trial}: kept after reopening`)
        } finally {
          assert.ok(!(await closeStore(reopened)))
        }
      }
      assert.ok(midway > 0, `some of the ${TRIALS} kills landed before the engine's folder was complete`)
    })
  })

  describe('a location held by another live process', () => {
    it('throws here, naming the path, until that process is gone', async () => {
      const holder = child('hold')
      await holder.waitForLine((line) => line === 'open', 'the holder opens the store')
      const locked = (err) => {
        assert.ok(err instanceof Error, String(err))
        assert.ok(err.message.includes(dir), `the message names ${dir}: ${err.message}`)
        assert.match(err.message, /lock|in use/i)
        return true
      }
      assert.throws(() => LevelStore(dir), locked)
      assert.throws(() => LevelStore({ location: dir }), locked)
      assert.throws(() => genericSession.levelSession(dir), locked)
      // naming the holder, which is running
      assert.throws(() => LevelStore(dir), (err) => {
        assert.ok(err.message.includes(`its lock is held by process ${holder.proc.pid}, which is still running (stop it or close its store first`), err.message)
        assert.strictEqual(err.code, undefined, 'no N-API code')
        return true
      })
      await holder.kill('SIGKILL')
      const store = LevelStore(dir)
      stores.push(store)
      const s = api(store)
      await s.set('id', 'k', 'mine now')
      assert.strictEqual(await s.get('id', 'k'), 'mine now')
    })

    it('says when the pid in the lock file is not running here (another container or host holding the lock)', async () => {
      const holder = child('hold')
      await holder.waitForLine((line) => line === 'open', 'the holder opens the store')
      // as a holder in another pid namespace would have written it: a pid no process here has
      fs.writeFileSync(path.join(dir, 'generic-session.lock'), '2147483647\n')
      assert.throws(() => LevelStore(dir), (err) => {
        assert.strictEqual(err.message, `LevelStore: ${JSON.stringify(dir)} is in use: its lock is held by another process (the lock file names ` +
          'process 2147483647, which is not running on this machine: the holder may be in another container or on another host sharing ' +
          'the directory, or opening it this very moment)')
        return true
      })
      await holder.kill('SIGKILL')
      const store = LevelStore(dir)
      stores.push(store)
      assert.strictEqual(fs.readFileSync(path.join(dir, 'generic-session.lock'), 'utf8'), `${process.pid}\n`, 'the new holder writes its pid')
    })

    it('is refused to another process while this one holds it, and granted after close', async () => {
      const store = LevelStore(dir)
      stores.push(store)
      const refused = await runChild('try-open', dir)
      assert.strictEqual(refused.code, 0, refused.stderr)
      const { error, code } = JSON.parse(refused.lines[0])
      assert.ok(error && error.includes(dir), `the child's error names ${dir}: ${refused.lines[0]}`)
      assert.match(error, /lock|in use/i)
      assert.ok(error.includes(`its lock is held by process ${process.pid}, which is still running`), error)
      assert.strictEqual(code, undefined, 'no N-API code')

      assert.ok(!(await closeStore(store)))
      const granted = await runChild('try-open', dir)
      assert.strictEqual(granted.code, 0, granted.stderr)
      assert.deepStrictEqual(granted.lines, ['opened'])
    })
  })
})
