'use strict'

// RedisStore: sessions in Redis or Valkey, shared by every process and machine that points at the
// same server or cluster (src/redis/, on its own tokio runtime).
//
// Each session is one Redis hash; see README "RedisStore" for the layout. Operations go to the
// native side with a ticket and come back in batches (./ticketed.js). While Redis is down each
// operation fails within commandTimeout, and at most maxPending wait at any time: nothing queues
// without bound. Reconnecting is automatic.

const { RedisStoreCore } = require('../native')
const { kKeepsContract } = require('../store-contract')
const { TicketedStore } = require('./ticketed')
const { callable } = require('./common')

const DEFAULT_URL = 'redis://127.0.0.1:6379'
const DEFAULTS = { prefix: '', connectTimeout: 2000, commandTimeout: 2000, maxPending: 10000 }
const URL_SCHEMES = /^(redis|valkey|unix|redis\+unix|valkey\+unix):/i

// RedisStore([url | { url | cluster, prefix, connectTimeout, commandTimeout, maxPending }]):
// callable with or without `new`. Connects on first use, so a server that is down at start is not
// an error here.
class RedisStore extends TicketedStore {
  constructor (options) {
    const settings = readRedisOptions(options)
    super('RedisStore', (deliver) => {
      try {
        return new RedisStoreCore({
          urls: settings.urls,
          cluster: settings.cluster,
          prefix: settings.prefix,
          connectTimeoutMs: settings.connectTimeout,
          commandTimeoutMs: settings.commandTimeout,
          label: settings.urls.map(withoutCredentials).join(', ')
        }, deliver)
      } catch (err) {
        // InvalidArg: the redis crate could not read the URL(s). Anything else (no thread for the
        // runtime, say) is not the options' fault.
        if (err.code !== 'InvalidArg') throw err
        throw new TypeError(`RedisStore options.${settings.cluster ? 'cluster' : 'url'}: ${withoutCredentials(err.message)}`)
      }
    }, { maxPending: settings.maxPending, startEachTurn: true })
    Object.defineProperties(this, {
      url: { value: settings.cluster ? undefined : settings.urls[0], enumerable: true },
      cluster: { value: settings.cluster ? settings.urls.slice() : undefined, enumerable: true },
      prefix: { value: settings.prefix, enumerable: true }
    })
  }
}

RedisStore.prototype[kKeepsContract] = true

function readRedisOptions (options) {
  if (options === undefined || options === null) options = {}
  if (typeof options === 'string') options = { url: options }
  if (typeof options !== 'object') {
    throw new TypeError('RedisStore options must be a redis:// URL or an object { url | cluster, prefix, ... }')
  }
  if (options.url !== undefined && options.cluster !== undefined) {
    throw new TypeError('RedisStore: give options.url (one server) or options.cluster (seed nodes), not both')
  }
  let urls
  let cluster = false
  if (options.cluster !== undefined) {
    if (!Array.isArray(options.cluster) || options.cluster.length === 0) {
      throw new TypeError('RedisStore options.cluster must be a non-empty array of redis:// URLs (seed nodes)')
    }
    options.cluster.forEach((url, i) => checkUrl(url, `cluster[${i}]`))
    urls = options.cluster.slice()
    cluster = true
  } else {
    const url = options.url === undefined ? DEFAULT_URL : options.url
    checkUrl(url, 'url')
    urls = [url]
  }
  const prefix = options.prefix === undefined ? DEFAULTS.prefix : options.prefix
  if (typeof prefix !== 'string') throw new TypeError('RedisStore options.prefix must be a string')
  if (/[{}]/.test(prefix)) {
    throw new TypeError('RedisStore options.prefix must not contain { or } (the session id is the key\'s Redis Cluster hash tag)')
  }
  return {
    urls,
    cluster,
    prefix,
    connectTimeout: readMs(options, 'connectTimeout'),
    commandTimeout: readMs(options, 'commandTimeout'),
    maxPending: readCount(options, 'maxPending')
  }
}

// Error messages name the server, never its password.
function withoutCredentials (url) {
  return url.replace(/\/\/[^@/]*@/, '//')
}

function checkUrl (url, name) {
  if (typeof url !== 'string' || !URL_SCHEMES.test(url)) {
    throw new TypeError(`RedisStore options.${name} must be a redis:// URL (redis://[user:password@]host:port[/db]), got ${JSON.stringify(url)}`)
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
