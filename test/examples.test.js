'use strict'

// The examples run as a user runs them: each server in its own process on a free port.

const assert = require('assert')
const path = require('path')
const fs = require('fs')
const os = require('os')
const { execFile } = require('child_process')
const { createClient } = require('./helpers/http')
const { startExample } = require('./helpers/example')

const examples = path.join(__dirname, '..', 'examples')

describe('examples', () => {
  let server
  afterEach(async () => {
    if (server) await server.stop()
    server = null
  })

  it('simple-client talks to simple-server as in the README', async () => {
    server = await startExample('simple-server.js')
    const stdout = await new Promise((resolve, reject) => {
      execFile(process.execPath, [path.join(examples, 'simple-client.js')], { env: { ...process.env, PORT: server.port } },
        (err, stdout) => (err ? reject(err) : resolve(stdout)))
    })
    assert.strictEqual(stdout, 'Set foo = bar\nFetched foo = bar\n')
  })

  it('level-server (npm start) keeps sessions across a restart', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-example-'))
    try {
      server = await startExample('level-server.js', { DATA: data })
      const client = createClient(server.url)
      assert.strictEqual((await client.get('/set/foo/bar')).body, 'bar')
      await server.stop()
      server = await startExample('level-server.js', { DATA: data })
      const again = createClient(server.url)
      again.jar.setCookieSync(`s=${client.cookie('s').value}`, server.url)
      assert.strictEqual((await again.get('/get/foo')).body, 'bar')
    } finally {
      if (server) await server.stop()
      server = null
      fs.rmSync(data, { recursive: true, force: true })
    }
  })

  it('express-server counts visits per session and forgets them on logout', async () => {
    server = await startExample('express-server.js')
    const client = createClient(server.url)
    assert.deepStrictEqual((await client.get('/')).body, { visits: 1 })
    assert.deepStrictEqual((await client.get('/')).body, { visits: 2 })
    assert.deepStrictEqual((await createClient(server.url).get('/')).body, { visits: 1 }, 'another client has its own session')
    assert.deepStrictEqual((await client.get('/set/colour/blue')).body, { ok: true })
    assert.deepStrictEqual((await client.get('/get/colour')).body, { value: 'blue' })
    assert.ok(client.cookie('s.sig'), 'cookies are signed')
    assert.deepStrictEqual((await client.get('/logout')).body, { destroyed: true })
    assert.strictEqual(client.cookie('s'), undefined)
    assert.deepStrictEqual((await client.get('/')).body, { visits: 1 })
  })
})
