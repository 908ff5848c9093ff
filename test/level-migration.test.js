'use strict'

// Drop-in upgrade: a directory written by level-session 0.3.4 (level 6, Google LevelDB, snappy
// tables) opens here, and each existing session is served, with its data, to its old cookie.

const assert = require('assert')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFile } = require('child_process')
const genericSession = require('..')
const { startServer, rawGet } = require('./helpers/http')

const SESSIONS = 6000

function writeLegacy (dir, count) {
  const script = path.join(__dirname, 'fixtures', 'write-legacy-level-session.js')
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, dir, String(count)], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`))
      resolve(JSON.parse(stdout))
    })
  })
}

describe('migration from level-session 0.3.4', function () {
  this.timeout(120000)
  let dir, legacy, server, filter

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-legacy-'))
    legacy = await writeLegacy(dir, SESSIONS)
  })

  after(async () => {
    if (server) await server.close()
    if (filter) await new Promise((resolve) => filter.close(resolve))
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('starts from a real level-session database with compressed tables', () => {
    assert.strictEqual(legacy.cookies.length, SESSIONS)
    const tables = fs.readdirSync(dir).filter((name) => name.endsWith('.ldb'))
    assert.ok(tables.length > 0, `expected .ldb tables in ${fs.readdirSync(dir)}`)
  })

  it('serves every existing session its data under its old cookie', async () => {
    filter = genericSession.levelSession(dir)
    server = await startServer((req, res) => filter(req, res, () => {
      req.session.getAll((err, data) => {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(err ? { error: err.message } : { id: req.session.id, data }))
      })
    }))
    let served = 0
    for (let i = 0; i < SESSIONS; i += SESSIONS / 300) {
      const { body } = await rawGet(server.url + '/', { cookie: legacy.cookies[i] })
      const token = legacy.cookies[i].match(/^s=([^;]+)/)[1]
      assert.strictEqual(body.id, 'session:' + token)
      assert.deepStrictEqual(body.data, legacy.data[i], `session ${i}`)
      served++
    }
    assert.ok(served >= 300)
  })

  it('leaves none of the old layout behind, so it is done once', async () => {
    await new Promise((resolve) => filter.close(resolve))
    // Reopened: the sessions are still there, now in this store's own layout.
    const store = genericSession.LevelStore(dir)
    const token = legacy.cookies[1].match(/^s=([^;]+)/)[1]
    const data = await new Promise((resolve, reject) => store.getAll('session:' + token, 60000, (err, d) => (err ? reject(err) : resolve(d))))
    assert.deepStrictEqual(data, legacy.data[1])
    await new Promise((resolve) => store.close(resolve))
    filter = null
  })
})
