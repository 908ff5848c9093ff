'use strict'

// LevelStore({ sync: true }): the same store, fsyncing the log before acknowledging.

const assert = require('assert')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')
const genericSession = require('..')

describe('LevelStore with sync: true', () => {
  let dir
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-sync-')) })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('acknowledges writes that a killed process leaves readable', () => {
    // A child writes with sync, prints once acknowledged, and is killed with SIGKILL at once.
    const script = `
      const store = require(${JSON.stringify(path.join(__dirname, '..'))}).LevelStore({ location: ${JSON.stringify(dir)}, sync: true })
      let left = 50
      for (let i = 0; i < 50; i++) store.set('s', 'k' + i, i, 60000, (err) => {
        if (err) throw err
        if (--left === 0) { process.stdout.write('acked\\n'); process.kill(process.pid, 'SIGKILL') }
      })`
    let stdout = ''
    try {
      stdout = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    } catch (err) {
      assert.strictEqual(err.signal, 'SIGKILL')
      stdout = err.stdout
    }
    assert.strictEqual(stdout, 'acked\n')
    const store = genericSession.LevelStore(dir)
    return new Promise((resolve, reject) => store.getAll('s', 60000, (err, all) => {
      store.close(() => {
        if (err) return reject(err)
        try {
          assert.deepStrictEqual(all, Object.fromEntries(Array.from({ length: 50 }, (_, i) => ['k' + i, i])))
          resolve()
        } catch (failure) {
          reject(failure)
        }
      })
    }))
  })

  it('refuses a sync that is not a boolean, naming the option', () => {
    assert.throws(() => genericSession.LevelStore({ location: dir, sync: 'yes' }), /options\.sync/)
  })
})
