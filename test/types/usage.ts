// Compiled by `npm test` (tsc --noEmit): every documented call form must type-check, and the
// lines marked @ts-expect-error must not.
import http = require('http')
import genericSession = require('../..')
import MemoryStore = require('../../memory-store')

const store = genericSession.MemoryStore({ cache: { max: 1024, maxAge: 60_000 } })
const store2: genericSession.MemoryStore = new MemoryStore()
const size: number = store.size + store2.bytes

http.createServer(async (req, res) => {
  const session = genericSession(req, res, store, { keys: ['a', Buffer.from('b')], expire: 60, cookieName: 'sid', idPrefix: '' })
  const id: string = session.id
  const expires: Date = session.expire
  session.get('k', (err, value) => { if (err) throw err; void value })
  session.get((err, all) => { void all })
  session.get(null, (err, all) => { void all })
  const n: number | undefined = await session.get<number>('k')
  const all: genericSession.SessionData = await session.getAll()
  session.set('k', { a: 1 }, (err) => { void err })
  session.set('k', (err) => { void err })
  await session.set('k', 1)
  session.del('k', (err) => { void err })
  session.del((err) => { void err })
  await session.del()
  await session.delAll()
  session.destroy((err) => { void err })
  void [id, expires, n, all, size]
  // @ts-expect-error keys must be strings, Buffers or a Keygrip-like object
  genericSession(req, res, store, { keys: 5 })
})

const middleware: genericSession.Middleware = genericSession.middleware(store, { expire: '3600' })
const sameFilter: genericSession.Middleware = genericSession.filter(store)
void [middleware, sameFilter]

class MapStore implements genericSession.Store {
  private data = new Map<string, genericSession.SessionData>()
  get (id: string, key: string, expire: number, cb: genericSession.Callback<unknown>) { setImmediate(cb, null, this.data.get(id)?.[key]) }
  getAll (id: string, expire: number, cb: genericSession.Callback<genericSession.SessionData>) { setImmediate(cb, null, this.data.get(id) ?? {}) }
  set (id: string, key: string, value: unknown, expire: number, cb: genericSession.DoneCallback) { this.data.set(id, { ...this.data.get(id), [key]: value }); setImmediate(cb, null) }
  del (id: string, key: string, expire: number, cb: genericSession.DoneCallback) { delete this.data.get(id)?.[key]; setImmediate(cb, null) }
  delAll (id: string, cb: genericSession.DoneCallback) { this.data.delete(id); setImmediate(cb, null) }
}
genericSession.filter(new MapStore())
// The optional move (regenerate's one step), which every store of this package has.
store.move?.('session:old', 'session:new', 60_000, (err) => { void err })

import levelSession = require('../../level-session')
const level: genericSession.LevelStore = genericSession.LevelStore({ location: './data', sync: true, sweepInterval: 1000 })
const cached: genericSession.LevelStore = genericSession.LevelStore({ location: './data', cacheSize: 64 * 1024 * 1024 })
void cached
const level2 = new levelSession.LevelStore('./data')
const filter: genericSession.LevelSessionFilter = levelSession({ location: './data', keys: ['k'], expire: 60 })
genericSession.levelSession('./data').close((err) => { void err })
level.close()
void [level2.location, filter.store]
// @ts-expect-error a LevelStore needs a location
genericSession.LevelStore()

// LevelStore on an application's database
declare const appDb: { get(): void, put(): void, del(): void, batch(): void, iterator(): void }
const onDb: genericSession.LevelStore = genericSession.LevelStore({ db: appDb, sweepInterval: 5000 })
void onDb.db
// @ts-expect-error location or db, not both
genericSession.LevelStore({ db: appDb, location: './data' })
// @ts-expect-error db must be a database
genericSession.LevelStore({ db: {} })
// @ts-expect-error the session cache is for a directory of its own
genericSession.LevelStore({ db: appDb, cacheSize: 1024 })

// RedisStore
const redis: genericSession.RedisStore = genericSession.RedisStore({ url: 'redis://127.0.0.1:6379', prefix: 'app:', commandTimeout: 500 })
const redisCluster = new genericSession.RedisStore({ cluster: ['redis://10.0.0.1:7000'], maxPending: 100, connectTimeout: 300 })
genericSession.RedisStore('redis://127.0.0.1:6379').close((err) => { void err })
const nearCached = genericSession.RedisStore({ url: 'redis://127.0.0.1:6379', nearCache: { max: 1 << 20 } })
const nearMax: number | false = nearCached.nearCache && nearCached.nearCache.max
void nearMax
genericSession.RedisStore({ url: 'redis://127.0.0.1:6379', nearCache: false })
// @ts-expect-error a Cluster has no near-cache
genericSession.RedisStore({ cluster: ['redis://10.0.0.1:7000'], nearCache: { max: 1000 } })
// @ts-expect-error nearCache.max is a number of bytes
genericSession.RedisStore({ url: 'redis://a', nearCache: { max: '64mb' } })
const overTls = genericSession.RedisStore({ url: 'rediss://redis.example:6380', tls: { ca: Buffer.from(''), cert: '', key: [''], rejectUnauthorized: true } })
void overTls
const withSentinel = genericSession.RedisStore({ sentinel: { name: 'mymaster', nodes: ['redis://10.0.0.1:26379'], password: 'p', db: 1 }, tls: { rejectUnauthorized: false } })
void withSentinel.sentinel?.name
// @ts-expect-error url and sentinel exclude each other
genericSession.RedisStore({ url: 'redis://a', sentinel: { name: 'm', nodes: [] } })
// @ts-expect-error a sentinel needs the master's name
genericSession.RedisStore({ sentinel: { nodes: ['redis://a'] } })
genericSession.RedisStore()
genericSession.middleware(redis, { keys: ['k'] })
redis.extend('session:x', 1000, (err) => { void err })
void [redis.url, redisCluster.cluster, redis.prefix]
// @ts-expect-error url or cluster, not both
genericSession.RedisStore({ url: 'redis://a', cluster: ['redis://b'] })
// @ts-expect-error cluster is a list of URLs
genericSession.RedisStore({ cluster: 'redis://b' })

// Cookie attributes and regenerate
genericSession.middleware(genericSession.MemoryStore(), {
  sameSite: 'strict',
  secure: 'auto',
  trustProxy: true,
  domain: 'example.com',
  path: '/app',
  partitioned: false,
  priority: 'high',
  httpOnly: true,
  cookieName: '__Host-s'
})
genericSession.middleware(genericSession.MemoryStore(), { sameSite: false, secure: true })
genericSession.middleware(genericSession.MemoryStore(), { sameSite: 'none', secure: true })
// express-session's options are refused even from a variable (they throw at run time)
const ported = { keys: ['k'], secret: 'a secret' }
// @ts-expect-error express-session's secret: use keys
genericSession.middleware(genericSession.MemoryStore(), ported)
// @ts-expect-error express-session's name: use cookieName
genericSession.middleware(genericSession.MemoryStore(), { name: 'sid' })
// @ts-expect-error sameSite is one of lax, strict, none or a boolean
genericSession.middleware(genericSession.MemoryStore(), { sameSite: 'sometimes' })
// @ts-expect-error secure is a boolean or 'auto'
genericSession.middleware(genericSession.MemoryStore(), { secure: 'yes' })
declare const someSession: genericSession.Session
someSession.regenerate((err) => { void err })
const regenerated: Promise<void> = someSession.regenerate()
void regenerated
genericSession.middleware(genericSession.MemoryStore(), { lazy: true, strict: true })
// @ts-expect-error lazy is a boolean
genericSession.middleware(genericSession.MemoryStore(), { lazy: 'yes' })
genericSession.middleware(genericSession.MemoryStore(), { maxLifetime: 8 * 3600, expire: 1800 })

// Sessions of a user.
const withUsers = genericSession.middleware(store, { users: true, maxSessions: 5 })
void withUsers
async function login (session: genericSession.Session): Promise<number> {
  await session.regenerate()
  await session.setUser('alice', { device: 'phone' })
  const user: string | undefined = await session.getUser()
  const mine: genericSession.CurrentUserSession[] = await session.listSessions()
  void user
  void mine.map((s) => [s.id, s.current, s.created, s.lastSeen, s.info])
  return session.revokeOtherSessions()
}
void login
store.listSessions('alice', (err, sessions) => { void err; void sessions?.map((s) => s.lastSeen) })
store.revokeSessions('alice', { except: 'handle' }, (err, ended) => { void err; void ended })
void store.listSessions('alice').then((sessions) => sessions.length)
const endedLater: Promise<number> = store.revokeSessions('alice')
void endedLater
class IndexedStore extends MapStore {}
Object.assign(IndexedStore.prototype, genericSession.userIndexMethods)
// Lifecycle events and metrics
import diagnosticsChannel = require('diagnostics_channel')
const rejectedChannel: 'generic-session:rejected' = genericSession.channels.rejected
diagnosticsChannel.subscribe(rejectedChannel, (message) => {
  const event = message as genericSession.RejectedEvent
  const reason: genericSession.RejectReason = event.reason
  const hashed: string = event.id
  const user: string | undefined = event.user
  void [reason, hashed, user]
})
diagnosticsChannel.subscribe(genericSession.channels.regenerated, (message) => {
  const { id, from } = message as genericSession.RegeneratedEvent
  void [id, from]
})
diagnosticsChannel.subscribe(genericSession.channels.expired, (message) => {
  const store: string = (message as genericSession.ExpiredEvent).store
  void store
})
// @ts-expect-error the reasons are a closed set
const notAReason: genericSession.RejectReason = 'bad luck'
void notAReason
const snapshot: genericSession.Metrics = genericSession.metrics()
const counted: number = snapshot.created + snapshot.regenerated + snapshot.destroyed + snapshot.rejected['bad signature'] + snapshot.expired.MemoryStore
const slowest: number | undefined = snapshot.storeCalls.find((s) => s.operation === 'get')?.buckets.at(-1)?.le
http.createServer((req, res) => {
  if (req.url !== '/metrics') return
  res.setHeader('Content-Type', genericSession.metrics.contentType)
  res.end(genericSession.metrics().toPrometheus())
})
void [counted, slowest]
// @ts-expect-error metrics are read, not set
genericSession.metrics.contentType = 'text/html'

// The store-wide calls (README, Store API: Enumeration).
store.ids((err, ids) => { void err; void ids?.length })
void store.length().then((n: number) => n)
const everyId: Promise<string[]> = level.ids()
void genericSession.RedisStore().clear().then(() => everyId)
level.clear((err) => { void err })
