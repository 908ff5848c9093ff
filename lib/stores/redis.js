'use strict'

// RedisStore: sessions in Redis or Valkey, shared by every process and machine that points at the
// same server or cluster (src/redis/, on its own tokio runtime).
//
// Each session is one Redis hash; see README "RedisStore" for the layout. One server, a Cluster, or
// the master Sentinel names (found again after a failover); any of them over TLS (rediss://). Operations go to the
// native side with a ticket and come back in batches (./ticketed.js). While Redis is down each
// operation fails within commandTimeout, and at most maxPending wait at any time: nothing queues
// without bound. Reconnecting is automatic.

const { RedisStoreCore } = require('../native')
const { kKeepsContract, kRemoteReads } = require('../store-contract')
const { kStoreKind } = require('../measured-store')
const { TicketedStore } = require('./ticketed')
const { callable } = require('./common')

const DEFAULT_URL = 'redis://127.0.0.1:6379'
const DEFAULTS = { prefix: '', connectTimeout: 2000, commandTimeout: 2000, maxPending: 10000 }
const DEFAULT_NEAR_CACHE_MAX = 64 * 1024 * 1024
const URL_SCHEMES = /^(redis|rediss|valkey|valkeys|unix|redis\+unix|valkey\+unix):/i
const TLS_SCHEMES = /^(rediss|valkeys):/i
const OPTIONS = new Set(['url', 'cluster', 'sentinel', 'tls', 'prefix', 'nearCache', 'connectTimeout', 'commandTimeout', 'maxPending'])
// What users of other Redis clients pass, and what to use here instead.
const INSTEAD = {
  host: 'use url: \'redis://host:port\'',
  port: 'use url: \'redis://host:port\'',
  password: 'use url: \'redis://:password@host:port\', or sentinel.password with Sentinel',
  username: 'use url: \'redis://user:password@host:port\', or sentinel.username with Sentinel',
  db: 'use url: \'redis://host:port/db\', or sentinel.db with Sentinel',
  socket: 'use url: \'unix:///path/to/redis.sock\'',
  path: 'use url: \'unix:///path/to/redis.sock\'',
  client: 'RedisStore makes its own connection: use url, cluster or sentinel',
  sentinels: 'use sentinel: { name, nodes: [\'redis://host:26379\', ...] }',
  name: 'use sentinel: { name, nodes }',
  ttl: 'the expiry is the session\'s expire option'
}
const TLS_OPTIONS = new Set(['ca', 'cert', 'key', 'rejectUnauthorized'])
const SENTINEL_OPTIONS = new Set(['name', 'nodes', 'username', 'password', 'db'])
const NEAR_CACHE_OPTIONS = new Set(['max'])

// RedisStore([url | { url | cluster | sentinel, tls, prefix, connectTimeout, commandTimeout,
// maxPending }]): callable with or without `new`. Connects on first use, so a server that is
// down at start is not an error here.
class RedisStore extends TicketedStore {
  constructor (options) {
    const settings = readRedisOptions(options)
    super('RedisStore', (deliver) => {
      try {
        return new RedisStoreCore({
          urls: settings.urls,
          cluster: settings.cluster,
          sentinel: settings.sentinel,
          tls: settings.tls,
          prefix: settings.prefix,
          connectTimeoutMs: settings.connectTimeout,
          commandTimeoutMs: settings.commandTimeout,
          label: settings.label,
          nearCacheBytes: settings.nearCache ? settings.nearCache.max : 0
        }, deliver)
      } catch (err) {
        // InvalidArg: the redis crate could not use the URL(s) or certificates. Anything else (no
        // thread for the runtime, say) is not the options' fault (TicketedStore makes it plain).
        if (err.code !== 'InvalidArg') throw err
        throw new TypeError(`RedisStore options.${settings.kind}${settings.tls ? ' (or options.tls)' : ''}: ${withoutCredentials(err.message)}`)
      }
    }, { maxPending: settings.maxPending, startEachTurn: true, peeks: settings.nearCache !== false })
    Object.defineProperties(this, {
      url: { value: settings.kind === 'url' ? settings.urls[0] : undefined, enumerable: true },
      cluster: { value: settings.cluster ? settings.urls.slice() : undefined, enumerable: true },
      sentinel: { value: settings.sentinel ? { name: settings.sentinel.name, nodes: settings.urls.slice() } : undefined, enumerable: true },
      prefix: { value: settings.prefix, enumerable: true },
      nearCache: { value: settings.nearCache && Object.freeze({ max: settings.nearCache.max }), enumerable: true }
    })
  }
}

RedisStore.prototype[kKeepsContract] = true
RedisStore.prototype[kRemoteReads] = true
RedisStore.prototype[kStoreKind] = 'RedisStore'

function readRedisOptions (options) {
  if (options === undefined || options === null) options = {}
  if (typeof options === 'string') options = { url: options }
  if (typeof options !== 'object') {
    throw new TypeError('RedisStore options must be a redis:// URL or an object { url | cluster | sentinel, prefix, ... }')
  }
  checkKnown(options, OPTIONS, '', INSTEAD)
  const given = ['url', 'cluster', 'sentinel'].filter((name) => options[name] !== undefined)
  if (given.length > 1) {
    throw new TypeError(`RedisStore: give one of options.url (one server), options.cluster (seed nodes) or options.sentinel, not ${given.join(' and ')}`)
  }
  const kind = given[0] || 'url'
  let urls
  let sentinel
  if (kind === 'cluster') {
    if (!Array.isArray(options.cluster) || options.cluster.length === 0) {
      throw new TypeError('RedisStore options.cluster must be a non-empty array of redis:// or rediss:// URLs (seed nodes)')
    }
    options.cluster.forEach((url, i) => checkUrl(url, `cluster[${i}]`))
    urls = options.cluster.slice()
  } else if (kind === 'sentinel') {
    ({ urls, sentinel } = readSentinel(options.sentinel))
  } else {
    const url = options.url === undefined ? DEFAULT_URL : options.url
    checkUrl(url, 'url')
    urls = [url]
  }
  const tls = readTls(options.tls, urls, kind)
  const prefix = options.prefix === undefined ? DEFAULTS.prefix : options.prefix
  if (typeof prefix !== 'string') throw new TypeError('RedisStore options.prefix must be a string')
  if (/[{}]/.test(prefix)) {
    throw new TypeError('RedisStore options.prefix must not contain { or } (the session id is the key\'s Redis Cluster hash tag)')
  }
  const nearCache = readNearCache(options.nearCache, kind)
  const servers = urls.map(withoutCredentials).join(', ')
  return {
    kind,
    urls,
    cluster: kind === 'cluster',
    sentinel,
    tls,
    prefix,
    nearCache,
    label: sentinel ? `sentinel master ${sentinel.name} via ${servers}` : servers,
    connectTimeout: readMs(options, 'connectTimeout'),
    commandTimeout: readMs(options, 'commandTimeout'),
    maxPending: readCount(options, 'maxPending')
  }
}

// Throws for the keys of `object` not in `known`, naming each (with what to use, where `instead`
// says) and listing the known ones.
function checkKnown (object, known, path, instead = {}) {
  const unknown = Object.keys(object).filter((name) => !known.has(name) && object[name] !== undefined)
  if (unknown.length === 0) return
  const hinted = unknown.filter((name) => Object.hasOwn(instead, name))
  let message = `RedisStore: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => path + name).join(', ')}`
  if (unknown.length === 1 && hinted.length === 1) message += `: ${instead[hinted[0]]}`
  else if (hinted.length > 0) message += ` (${hinted.map((name) => `${path}${name}: ${instead[name]}`).join('; ')})`
  throw new TypeError(`${message}; the known ones are ${[...known].map((name) => path + name).join(', ')}`)
}

function readSentinel (sentinel) {
  if (!sentinel || typeof sentinel !== 'object' || Array.isArray(sentinel)) {
    throw new TypeError('RedisStore options.sentinel must be { name, nodes: [\'redis://host:26379\', ...] }')
  }
  checkKnown(sentinel, SENTINEL_OPTIONS, 'sentinel.')
  if (typeof sentinel.name !== 'string' || sentinel.name === '') {
    throw new TypeError('RedisStore options.sentinel.name must be the master\'s name as the sentinels know it (sentinel monitor <name> ...)')
  }
  if (!Array.isArray(sentinel.nodes) || sentinel.nodes.length === 0) {
    throw new TypeError('RedisStore options.sentinel.nodes must be a non-empty array of the sentinels\' redis:// or rediss:// URLs')
  }
  sentinel.nodes.forEach((url, i) => checkUrl(url, `sentinel.nodes[${i}]`))
  for (const name of ['username', 'password']) {
    if (sentinel[name] !== undefined && typeof sentinel[name] !== 'string') {
      throw new TypeError(`RedisStore options.sentinel.${name} must be a string (the master's; the sentinels' go in their URLs)`)
    }
  }
  const db = sentinel.db === undefined ? 0 : sentinel.db
  if (!Number.isInteger(db) || db < 0 || db > 0xffff) throw new RangeError('RedisStore options.sentinel.db must be a whole number, at least 0')
  return {
    urls: sentinel.nodes.slice(),
    sentinel: { name: sentinel.name, username: sentinel.username, password: sentinel.password, db }
  }
}

// options.nearCache: { max } bytes of sessions kept in this process, or false. Off for a Cluster
// (README "Near-cache" says why), where only `false` or nothing may be given.
function readNearCache (nearCache, kind) {
  if (nearCache === false) return false
  if (kind === 'cluster') {
    if (nearCache === undefined) return false
    throw new TypeError('RedisStore options.nearCache is not available with options.cluster (see README, "Near-cache"); leave it out or set it to false')
  }
  if (nearCache === undefined || nearCache === true) return { max: DEFAULT_NEAR_CACHE_MAX }
  if (!nearCache || typeof nearCache !== 'object' || Array.isArray(nearCache)) {
    throw new TypeError('RedisStore options.nearCache must be { max: bytes } or false (off)')
  }
  checkKnown(nearCache, NEAR_CACHE_OPTIONS, 'nearCache.')
  const max = nearCache.max === undefined ? DEFAULT_NEAR_CACHE_MAX : nearCache.max
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new RangeError('RedisStore options.nearCache.max must be a whole number of bytes, at least 0 (0 or nearCache: false: off)')
  }
  return max === 0 ? false : { max }
}

// options.tls: named as in Node's tls (PEM strings or Buffers); only with rediss:// URLs.
function readTls (tls, urls, kind) {
  if (tls === undefined) return undefined
  if (!tls || typeof tls !== 'object' || Array.isArray(tls)) {
    throw new TypeError('RedisStore options.tls must be an object { ca, cert, key, rejectUnauthorized }')
  }
  // Node's servername, refused with its reason before the unknown options.
  if (tls.servername !== undefined) {
    throw new TypeError('RedisStore options.tls.servername is not supported: the server\'s certificate is checked against the host in the URL, so put that name in the URL')
  }
  checkKnown(tls, TLS_OPTIONS, 'tls.')
  if (!urls.every((url) => TLS_SCHEMES.test(url))) {
    throw new TypeError(`RedisStore options.tls needs rediss:// URLs in options.${kind}`)
  }
  const pem = (name) => {
    const value = tls[name]
    if (value === undefined) return undefined
    const parts = Array.isArray(value) ? value : [value]
    if (parts.length === 0 || !parts.every((part) => typeof part === 'string' || Buffer.isBuffer(part))) {
      throw new TypeError(`RedisStore options.tls.${name} must be PEM text: a string, a Buffer, or an array of them`)
    }
    const text = parts.map(String).join('\n')
    if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) {
      throw new TypeError(`RedisStore options.tls.${name} must be PEM text (-----BEGIN ...-----); read the file first, e.g. fs.readFileSync(path)`)
    }
    return text
  }
  const ca = pem('ca')
  const cert = pem('cert')
  const key = pem('key')
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError('RedisStore options.tls.cert and options.tls.key go together (a client certificate and its key)')
  }
  const rejectUnauthorized = tls.rejectUnauthorized === undefined ? true : tls.rejectUnauthorized
  if (typeof rejectUnauthorized !== 'boolean') throw new TypeError('RedisStore options.tls.rejectUnauthorized must be true or false')
  return { ca, cert, key, rejectUnauthorized }
}

// Error messages name the server, never its password.
function withoutCredentials (url) {
  return url.replace(/\/\/[^@/]*@/, '//')
}

function checkUrl (url, name) {
  if (typeof url !== 'string' || !URL_SCHEMES.test(url)) {
    throw new TypeError(`RedisStore options.${name} must be a redis:// or rediss:// URL (redis://[user:password@]host:port[/db]), got ${JSON.stringify(typeof url === 'string' ? withoutCredentials(url) : url)}`)
  }
}

function readMs (options, name) {
  const value = options[name] === undefined ? DEFAULTS[name] : options[name]
  if (!Number.isInteger(value) || value < 1 || value > 0xffffffff) {
    throw new RangeError(`RedisStore options.${name} must be a whole number of milliseconds, at least 1`)
  }
  return value
}

function readCount (options, name) {
  const value = options[name] === undefined ? DEFAULTS[name] : options[name]
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`RedisStore options.${name} must be a whole number, at least 1`)
  return value
}

module.exports = callable(RedisStore)
