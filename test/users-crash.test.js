'use strict'

// Sessions of a user through crashes: the application process killed with SIGKILL at varied
// moments of a login / revoke / destroy load on LevelStore, then the directory opened again by a
// new process, which must show exactly what was acknowledged before the kill (a revoked session
// reads nothing, a listed one holds its data, a live one is listed); in every store, the windows
// between two writes that those kills found, each forced (the second write held back), and each
// step of a revokeOtherSessions failing; and RedisStore under a redis-server killed and restarted,
// or hung, in the middle of the load, or with its connections cut.

const assert = require('assert')
const path = require('path')
const { spawn } = require('child_process')
const { CookieJar } = require('tough-cookie')
const genericSession = require('..')
const MapStore = require('./helpers/map-store')
const { tempDir, removeDir, closeStore } = require('./helpers/level')
const { describeWithRedis, RedisServer, freePort } = require('./helpers/redis')
const { startServer, createClient } = require('./helpers/http')
const { forEveryStore } = require('./helpers/stores')
const { relayOf } = require('./helpers/relay-store')
const { usersApp, indexOf, EPOCH } = require('./helpers/users-app')

const { setTimeout: sleep } = require('timers/promises')

const CHILD = path.join(__dirname, 'fixtures', 'users-crash-child.js')

// Gives `client`'s session `k` = v-<tag>, then logs it in as `user` with that tag: its new id.
async function logIn (client, user, tag) {
  await client.get(`/set/v-${tag}`)
  return (await client.get(`/login/${user}?tag=${tag}`)).body.id
}

// The application process (test/fixtures/users-crash-child.js) on `dir`: resolves once it
// listens, to { url, kill() }.
function startApp (dir) {
  const proc = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (chunk) => { stderr += chunk })
  const exited = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })))
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
    return exited
  }
  return new Promise((resolve, reject) => {
    let out = ''
    proc.stdout.setEncoding('utf8')
    proc.stdout.on('data', (chunk) => {
      out += chunk
      const m = out.match(/listening on (\S+)\n/)
      if (m) resolve({ url: m[1], kill, stderr: () => stderr })
    })
    exited.then((info) => reject(new Error(`the application exited before it listened: ${JSON.stringify(info)} ${stderr}`)))
  })
}

// GET `url` with the cookies of `jar` (kept up to date), or with exactly `cookie`: { status, body }.
async function request (url, { jar, cookie } = {}) {
  const header = jar ? jar.getCookieStringSync(url) : cookie
  const res = await fetch(url, { headers: header ? { cookie: header } : {} })
  if (jar) for (const line of res.headers.getSetCookie()) jar.setCookieSync(line, url)
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text) }
}

const USERS = ['ann', 'bob', 'cy']
const CLIENTS = 15
const KILLS = 12

// What the test knows of the load, from the answers it had: each client (a browser, one request
// at a time) is `fresh` (no session of its own yet), `bound` (its login was acknowledged, nothing
// ended it since) or `uncertain` (something that may have ended it was under way: a kill, or a
// revoke of its user that had not answered). `ended` holds every session whose end (a revoke or a
// destroy) was acknowledged, with the cookie that carried it.
class Model {
  constructor () {
    this.clients = Array.from({ length: CLIENTS }, (_, n) => ({ n, logins: 0, state: 'fresh' }))
    this.ended = [] // { tag, user, cookie, why }
    this.seq = 0
    this.revoking = new Map(USERS.map((u) => [u, 0])) // revokes of the user issued, not answered
    this.lastRevoke = new Map(USERS.map((u) => [u, 0])) // when the last revoke of the user answered
    this.violations = []
    this.loggedIn = new Set() // the tags of the logins that answered
    this.trace = []
    this.started = Date.now()
  }

  tick () {
    return ++this.seq
  }

  violation (text) {
    this.violations.push(text)
  }

  // What the test saw, line by line, for the failure message: `story(violations)` tells it for the
  // sessions the first few violations name.
  log (text) {
    this.trace.push(`${this.seq} ${Date.now() - this.started}ms ${text}`)
  }

  story (violations) {
    const tags = new Set(violations.slice(0, 3).flatMap((v) => v.match(/\d+\.\d+/g) || []))
    const told = this.trace.filter((line) => / (KILL|FAULT) /.test(line) || line.split(' ').some((word) => tags.has(word)))
    return `${violations.length} violations; what happened to ${[...tags].join(', ')}:\n${told.slice(-60).join('\n')}`
  }

  // A revoke of `user` issued at `issued` (keeping `keep`, a client) has answered: every session
  // of the user bound before it was issued has ended; one bound while it ran may have.
  revoked (user, issued, keep, why) {
    this.lastRevoke.set(user, this.tick())
    for (const c of this.clients) {
      if (c === keep || c.user !== user || c.state === 'fresh' || c.state === 'login') continue
      if (c.loginAck < issued) this.end(c, why)
      else c.state = 'uncertain'
    }
  }

  // A revoke of `user` was cut by a kill: any of the user's sessions may have ended.
  unsure (user) {
    for (const c of this.clients) if (c.user === user && c.state === 'bound') c.state = 'uncertain'
  }

  // The store's server is back after a fault: a revoke that failed during it (no answer within
  // commandTimeout) may have landed as late as now, when a hung server resumes, and ended any
  // session bound meanwhile, or any login under way.
  faultOver () {
    for (const user of USERS) {
      this.unsure(user)
      this.lastRevoke.set(user, this.tick())
    }
  }

  // Whether a revoke of `user` was under way at any time since `seq`: one that raced a login may
  // end it although setUser answered (the revoke wins).
  revokedSince (user, seq) {
    return this.revoking.get(user) > 0 || this.lastRevoke.get(user) > seq
  }

  end (c, why) {
    this.log(`end ${c.tag} ${c.user} ${why}`)
    this.ended.push({ tag: c.tag, user: c.user, cookie: c.cookie, why })
    c.state = 'fresh'
  }
}

// One round of load on the application at `url` until `stopped()`: every client in a loop of
// logins (regenerate + setUser), reads, revokeOtherSessions, destroy and regenerate, and an
// administrator revoking a user's sessions now and then. A request that fails while `failing()`
// (the application killed, its store's server down) is cut: what it did is unknown; any other
// failure is a violation. Resolves, once every request has answered, to the counts of requests
// cut, by kind.
function load (model, url, { stopped, failing }) {
  const cut = {}
  const under = (kind) => { cut[kind] = (cut[kind] || 0) + 1 }

  async function client (c) {
    let jar = c.jar
    while (!stopped()) {
      const kind = c.state === 'fresh' ? 'login' : ['get', 'get', 'get', 'others', 'destroy', 'regenerate'][Math.floor(Math.random() * 6)]
      try {
        if (kind === 'login') {
          jar = c.jar = new CookieJar()
          const tag = `${c.n}.${++c.logins}`
          const user = USERS[Math.floor(Math.random() * USERS.length)]
          Object.assign(c, { tag, user, state: 'login' })
          const set = await request(`${url}/set/v-${tag}`, { jar })
          if (set.status !== 200) throw new Error(`set: ${set.status} ${JSON.stringify(set.body)}`)
          const issued = model.tick()
          const { status, body } = await request(`${url}/login/${user}?tag=${tag}`, { jar })
          if (status !== 200) {
            // setUser fails when a revoke racing it ended the session first (the revoke wins).
            const lost = status === 500 && /ended \(destroyed, revoked or rebound\) while it was being bound/.test(body.error)
            if (lost && model.revokedSince(user, issued)) {
              c.state = 'fresh'
              continue
            }
            throw new Error(`login: ${status} ${JSON.stringify(body)}`)
          }
          const state = model.revokedSince(user, issued) ? 'uncertain' : 'bound'
          Object.assign(c, { state, loginAck: model.tick(), cookie: jar.getCookieStringSync(url) })
          model.loggedIn.add(tag)
          model.log(`login ${tag} ${user} ${state} issued ${issued}`)
          continue
        }
        const { tag, user } = c
        const issued = model.tick()
        if (kind === 'others') model.revoking.set(user, model.revoking.get(user) + 1)
        let answer
        try {
          answer = await request(`${url}/${kind}`, { jar })
        } finally {
          if (kind === 'others') model.revoking.set(user, model.revoking.get(user) - 1)
        }
        model.log(`${kind} ${tag} ${user} issued ${issued} -> ${JSON.stringify(answer.body)}`)
        if (answer.status !== 200) throw new Error(`${kind} of ${tag}: ${answer.status} ${JSON.stringify(answer.body)}`)
        // A revoke that answered, by a session ended meanwhile as well, has still ended the others.
        if (kind === 'others' && answer.body.user !== null) model.revoked(user, issued, c, `revokeOtherSessions of ${tag}`)
        if (c.tag !== tag || c.state === 'fresh') continue // a revoke that answered meanwhile ended it
        if (kind === 'destroy') model.end(c, 'destroy')
        if (kind === 'regenerate') c.cookie = jar.getCookieStringSync(url)
        const gone = kind === 'get' ? answer.body !== `v-${tag}` : kind === 'others' && answer.body.user === null
        if (gone) {
          // Ended by a revoke still under way, or else logged out when nothing should have.
          const excused = (kind === 'others' || answer.body === null) && (model.revoking.get(user) > 0 || c.state === 'uncertain')
          if (!excused) model.violation(`${tag} (${c.state}, of ${user}) found its session ended (${kind}: ${JSON.stringify(answer.body)}) with no revoke under way`)
          c.state = 'fresh'
        }
      } catch (err) {
        if (!failing()) {
          model.violation(`${kind} of ${c.tag} failed: ${err.message}`)
          c.state = 'fresh'
          continue
        }
        under(kind)
        model.log(`CUT ${kind} ${c.tag}`)
        if (kind === 'others') model.unsure(c.user)
        if (c.state === 'login') c.state = 'fresh' // its cookie may be the one before the login
        else if (c.state === 'bound') c.state = 'uncertain'
        await sleep(10) // (a store that is down fails at once: no tight loop)
      }
    }
  }

  async function admin () {
    while (!stopped()) {
      await sleep(15)
      const user = USERS[Math.floor(Math.random() * USERS.length)]
      const issued = model.tick()
      model.revoking.set(user, model.revoking.get(user) + 1)
      try {
        const { status, body } = await request(`${url}/revoke/${user}`)
        if (status !== 200) throw new Error(`revoke ${user}: ${status} ${JSON.stringify(body)}`)
        model.log(`revokeSessions ${user} issued ${issued} -> ${body}`)
        model.revoked(user, issued, null, 'revokeSessions')
      } catch (err) {
        if (!failing()) {
          model.violation(`revokeSessions of ${user} failed: ${err.message}`)
          continue
        }
        under('revokeSessions')
        model.unsure(user)
      } finally {
        model.revoking.set(user, model.revoking.get(user) - 1)
      }
    }
  }

  return Promise.all([...model.clients.map(client), admin()]).then(() => cut)
}

// In the process that opened the directory after a kill: every invariant, then each client the
// kill left uncertain is settled (bound if it still reads its data, fresh if not).
async function check (model, url, when) {
  const v = (text) => model.violation(`${when}: ${text}`)
  const endedTags = new Set(model.ended.map((e) => e.tag))
  const listed = new Map() // tag -> listing entry
  for (const user of USERS) {
    const { body } = await request(`${url}/inspect/${user}`)
    for (const entry of body) {
      listed.set(entry.tag, entry)
      if (entry.k !== `v-${entry.tag}`) v(`${user}'s listed session ${entry.tag} holds ${JSON.stringify(entry.k)}, not its data`)
      if (endedTags.has(entry.tag)) v(`${user}'s session ${entry.tag} is listed after its end was acknowledged`)
      // (A login the kill cut may leave its entry without its binding: listed, bound to nobody.)
      if (!entry.holds && model.loggedIn.has(entry.tag)) v(`${user}'s listed session ${entry.tag} is not bound to it on the user's epoch`)
    }
  }
  for (const e of model.ended) {
    const { body } = await request(`${url}/get`, { cookie: e.cookie })
    if (body !== null) v(`${e.user}'s session ${e.tag}, ended (${e.why}) before a kill, reads ${JSON.stringify(body)}`)
  }
  for (const c of model.clients) {
    if (c.state !== 'bound' && c.state !== 'uncertain') continue
    const { body } = await request(`${url}/get`, { jar: c.jar })
    const reads = body === `v-${c.tag}`
    if (c.state === 'bound' && !reads) v(`${c.user}'s session ${c.tag}, bound and never ended, reads ${JSON.stringify(body)}`)
    if (reads && !listed.has(c.tag)) v(`${c.user}'s session ${c.tag} reads its data but is not listed`)
    c.state = reads ? 'bound' : 'fresh'
    if (reads) c.cookie = c.jar.getCookieStringSync(url)
  }
}

// A store that forwards the Session's calls to `inner` and keeps how long the slowest took to
// call back; the index methods run over it, so their every step is timed too.
class Timed {
  constructor (inner) {
    this.inner = inner
    this.slowest = 0
    this.answered = 0
  }
}
for (const method of ['get', 'getAll', 'set', 'del', 'delAll', 'revoke', 'move']) {
  Timed.prototype[method] = function (...args) {
    const callback = args.pop()
    const started = Date.now()
    this.inner[method](...args, (...result) => {
      this.slowest = Math.max(this.slowest, Date.now() - started)
      this.answered++
      callback(...result)
    })
  }
}
Object.assign(Timed.prototype, genericSession.userIndexMethods)

// A custom store with the index methods taken in.
class IndexedMapStore extends MapStore {}
Object.assign(IndexedMapStore.prototype, genericSession.userIndexMethods)

describe('sessions of a user through crashes', function () {
  this.timeout(120000)

  // What the kill test below found, forced here in every store: a crash between two writes (the
  // second one held back while the test looks: it has not landed, as if the process had died
  // before it), and a revoke racing another; and a revokeOtherSessions failing at each step.
  describe('between two writes, or a call failing, in every store', () => {
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

      const tagsOf = async (store, user) => (await store.listSessions(user)).map((s) => s.info.tag)
      const indexWrite = (user, method) => (m, args) => m === method && args[0] === indexOf(user)

      for (const route of ['destroy', 'delall']) {
        it(`a ${route === 'destroy' ? 'destroy()' : 'delAll()'} cut before its entry's removal leaves the session off the list`, async () => {
          await withApp({}, async ({ server, store }) => {
            const gone = createClient(server.url)
            const stays = createClient(server.url)
            await logIn(gone, 'uma', 'gone')
            await logIn(stays, 'uma', 'stays')
            const removal = store.hold(indexWrite('uma', 'del'))
            const request = gone.get('/' + route)
            await removal.reached
            assert.deepStrictEqual(await tagsOf(store, 'uma'), ['stays'], 'the emptied session is not listed')
            removal.release()
            assert.strictEqual((await request).status, 200)
            assert.deepStrictEqual(await tagsOf(store, 'uma'), ['stays'])
            assert.strictEqual((await stays.get('/get')).body, 'v-stays')
          })
        })
      }

      it('a regenerate() cut between the move and its entry\'s update lists no session that is gone, and lists it once done', async () => {
        await withApp({}, async ({ server, store }) => {
          const moving = createClient(server.url)
          await logIn(moving, 'vic', 'moving')
          const update = store.hold((m, args) => indexWrite('vic', 'set')(m, args) && args[2] && args[2].epoch !== null)
          const request = moving.get('/regenerate')
          await update.reached
          assert.deepStrictEqual(await tagsOf(store, 'vic'), [], 'the old id is gone, and the client never got the new one')
          update.release()
          assert.strictEqual((await request).status, 200)
          assert.deepStrictEqual(await tagsOf(store, 'vic'), ['moving'], 'listed again under its new id')
          assert.strictEqual((await moving.get('/get')).body, 'v-moving')
        })
      })

      it('maxSessions: a login cut before the revoked oldest entry\'s removal leaves it off the list', async () => {
        await withApp({ maxSessions: 1 }, async ({ server, store }) => {
          const old = createClient(server.url)
          const next = createClient(server.url)
          await logIn(old, 'wren', 'old')
          const removal = store.hold(indexWrite('wren', 'del'))
          await next.get('/set/v-next')
          const request = next.get('/login/wren?tag=next')
          await removal.reached
          assert.deepStrictEqual(await tagsOf(store, 'wren'), ['next'], 'the revoked session is not listed')
          removal.release()
          assert.strictEqual((await request).status, 200)
          assert.strictEqual((await old.get('/get')).body, null)
          assert.deepStrictEqual(await tagsOf(store, 'wren'), ['next'])
        })
      })

      // Each store call of a revokeOtherSessions failing in turn (a timeout, a server gone): the
      // session that asked is never logged out by it, and asking again ends the others.
      const USER = '\u0000user'
      const steps = [
        ['its own entry\'s write', ({ handle }) => (m, a) => m === 'set' && a[0] === indexOf('xena') && a[1] === handle],
        ['the read of its binding', ({ sid }) => (m, a) => m === 'get' && a[0] === sid && a[1] === USER],
        ['the write of the next epoch into its binding', ({ sid }) => (m, a) => m === 'set' && a[0] === sid && a[1] === USER],
        ['the write of the epoch', () => (m, a) => m === 'set' && a[0] === indexOf('xena') && a[1] === EPOCH],
        ['the revoke of the other', ({ otherSid }) => (m, a) => (m === 'revoke' || m === 'delAll') && a[0] === otherSid],
        ['its entry\'s write on the new epoch', ({ handle }, n = 0) => (m, a) => m === 'set' && a[0] === indexOf('xena') && a[1] === handle && n++ === 1],
        ['the write of its binding on the new epoch', ({ sid }) => (m, a) => m === 'set' && a[0] === sid && a[1] === USER && !('nextEpoch' in a[2])],
        ['the last read of its binding', ({ sid }, n = 0) => (m, a) => m === 'get' && a[0] === sid && a[1] === USER && n++ === 2]
      ]
      for (const [step, matcher] of steps) {
        it(`a revokeOtherSessions that fails at ${step} keeps the session that asked`, async () => {
          await withApp({}, async ({ server, store }) => {
            const kept = createClient(server.url)
            const other = createClient(server.url)
            const sid = await logIn(kept, 'xena', 'kept')
            const otherSid = await logIn(other, 'xena', 'other')
            const handle = (await store.listSessions('xena')).find((s) => s.info.tag === 'kept').id
            store.failNext(matcher({ sid, otherSid, handle }))
            const first = await kept.get('/others')
            assert.strictEqual(store.rules.length, 0, 'the failure was injected')
            assert.ok(first.status === 500 || first.status === 200, JSON.stringify(first))
            assert.strictEqual((await kept.get('/get')).body, 'v-kept', 'the session that asked still reads its data')
            assert.strictEqual((await kept.get('/whoami')).body, 'xena')
            assert.ok((await store.listSessions('xena')).some((s) => s.id === handle), 'and is listed')
            // (how many it ends depends on how far the first got: the epoch's write ends the other)
            assert.strictEqual((await kept.get('/others')).body.user, 'xena')
            assert.strictEqual((await other.get('/get')).body, null, 'asked again, the others are ended')
            assert.strictEqual((await kept.get('/get')).body, 'v-kept')
            assert.deepStrictEqual(await tagsOf(store, 'xena'), ['kept'])
          })
        })
      }

      it('revokeSessions ending the session whose revokeOtherSessions is under way leaves it off the list', async () => {
        await withApp({}, async ({ server, store }) => {
          const kept = createClient(server.url)
          const other = createClient(server.url)
          await logIn(kept, 'tess', 'kept')
          await logIn(other, 'tess', 'other')
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

  describe('LevelStore, the application killed with SIGKILL at varied moments', () => {
    let dir, app
    beforeEach(() => { dir = tempDir() })
    afterEach(async () => {
      if (app) await app.kill()
      app = null
      removeDir(dir)
    })

    it('shows, after each kill, exactly what was acknowledged: revoked sessions read nothing, listed ones hold, live ones are listed', async () => {
      const model = new Model()
      const cutTotals = {}
      let midway = 0
      for (let round = 1; round <= KILLS; round++) {
        app = await startApp(dir)
        if (round > 1) await check(model, app.url, `after kill ${round - 1}`)
        let dead = false
        const running = load(model, app.url, { stopped: () => dead, failing: () => dead })
        await sleep(40 + 53 * (round - 1))
        dead = true
        model.log(`KILL ${round}`)
        const { signal } = await app.kill()
        assert.strictEqual(signal, 'SIGKILL', `round ${round}: the application ended by itself: ${app.stderr()}`)
        const cut = await running
        if (Object.keys(cut).some((kind) => kind !== 'get')) midway++
        for (const [kind, n] of Object.entries(cut)) cutTotals[kind] = (cutTotals[kind] || 0) + n
      }
      app = await startApp(dir)
      await check(model, app.url, `after kill ${KILLS}`)
      console.log(`      ${KILLS} kills, ${midway} in the middle of a store write; requests cut: ${JSON.stringify(cutTotals)}; ` +
        `${model.ended.length} sessions ended before a kill`)
      assert.deepStrictEqual(model.violations, [], model.story(model.violations))
      assert.ok(cutTotals.login > 0 && cutTotals.revokeSessions > 0, `kills landed during logins and revokes: ${JSON.stringify(cutTotals)}`)
      assert.ok(model.ended.length > 0, 'some sessions were ended before a kill')
    })
  })
  describeWithRedis('RedisStore, its server killed and restarted, or hung, under the load', () => {
    const COMMAND_TIMEOUT = 500
    let redis, appStore, adminStore, server
    afterEach(async () => {
      if (server) await server.close()
      for (const store of [appStore, adminStore]) if (store) await closeStore(store)
      if (redis) await redis.remove()
      redis = appStore = adminStore = server = undefined
    })

    it('answers every call within commandTimeout, errors to the callbacks, and once it is back no revoked session reads data', async () => {
      // Persisting every write before it answers: what was acknowledged survives the kill.
      redis = new RedisServer({ port: await freePort(), extraArgs: ['--appendonly', 'yes', '--appendfsync', 'always'] })
      await redis.start()
      // Two stores, two near-caches: the application's, and the administrator's that revokes.
      appStore = genericSession.RedisStore({ url: redis.url, commandTimeout: COMMAND_TIMEOUT })
      adminStore = genericSession.RedisStore({ url: redis.url, commandTimeout: COMMAND_TIMEOUT })
      assert.ok(appStore.nearCache && adminStore.nearCache, 'the near-caches are on')
      const timed = new Timed(appStore)
      server = await startServer(usersApp(genericSession.filter(timed, { keys: ['users crash test'], users: true }), adminStore))

      const model = new Model()
      let stopped = false
      let faultUntil = 0
      // While the server is away, and for a while after (calls that were waiting fail then).
      const failing = () => Date.now() < faultUntil
      const running = load(model, server.url, { stopped: () => stopped, failing })
      const faults = []
      for (let round = 0; round < 4; round++) {
        await sleep(300 + 70 * round)
        faultUntil = Infinity
        model.log(`FAULT ${round} begins`)
        if (round % 2 === 0) {
          await redis.stop() // SIGKILL
          await sleep(200 + 100 * round)
          await redis.start()
          faults.push('killed and restarted')
        } else {
          redis.pause() // SIGSTOP
          await sleep(3 * COMMAND_TIMEOUT)
          redis.resume()
          faults.push(`hung ${3 * COMMAND_TIMEOUT} ms`)
        }
        faultUntil = Date.now() + 3 * COMMAND_TIMEOUT
        model.faultOver()
        model.log(`FAULT ${round} over`)
      }
      await sleep(4 * COMMAND_TIMEOUT) // past the last fault's window: every request must succeed again
      stopped = true
      const cut = await running
      await check(model, server.url, 'after the faults')
      console.log(`      ${faults.join(', ')}: requests failed: ${JSON.stringify(cut)}; ${timed.answered} store calls, ` +
        `the slowest answered in ${timed.slowest} ms; ${model.ended.length} sessions ended`)
      assert.deepStrictEqual(model.violations, [], model.story(model.violations))
      assert.ok(timed.slowest <= 2 * COMMAND_TIMEOUT, `every store call answered within commandTimeout and a margin: the slowest took ${timed.slowest} ms`)
      assert.ok(cut.login > 0 && cut.revokeSessions > 0, `the faults landed during logins and revokes: ${JSON.stringify(cut)}`)
      assert.ok(model.ended.length > 0, 'some sessions were ended')
    })

    it('a revoke while the application\'s connection was cut (its invalidations lost) still ends its cached sessions', async () => {
      redis = new RedisServer({ port: await freePort() })
      await redis.start()
      appStore = genericSession.RedisStore({ url: redis.url, commandTimeout: COMMAND_TIMEOUT })
      adminStore = genericSession.RedisStore({ url: redis.url, commandTimeout: COMMAND_TIMEOUT })
      server = await startServer(usersApp(genericSession.filter(appStore, { keys: ['users crash test'], users: true }), adminStore))
      const clients = Array.from({ length: 5 }, () => createClient(server.url))
      for (const [i, client] of clients.entries()) {
        await logIn(client, 'yara', i)
        // read twice: the session and the user's epoch are in the near-cache now
        for (let n = 0; n < 2; n++) assert.strictEqual((await client.get('/get')).body, `v-${i}`)
      }
      // Every connection dropped by the server: what Redis would tell the application's
      // near-cache about the revoke below has nowhere to go.
      redis.cli('CLIENT', 'KILL', 'TYPE', 'normal')
      let ended
      for (let attempt = 0; ended === undefined && attempt < 20; attempt++) {
        ended = await adminStore.revokeSessions('yara').catch(() => undefined) // (a first call may find the connection gone)
      }
      assert.strictEqual(ended, clients.length, 'the revoke answered, ending every session')
      for (const [i, client] of clients.entries()) {
        let read
        for (let attempt = 0; attempt < 20; attempt++) {
          read = await client.get('/get')
          if (read.status === 200) break
        }
        assert.deepStrictEqual([read.status, read.body], [200, null], `session ${i} reads nothing after the revoke`)
      }
    })
  })
})
