'use strict'

// The servers compared by the HTTP benchmark. Each makes a plain node http request handler (or a
// promise of one) that does the same work per request: read `count` from the session, then store
// count + 1. A factory runs only in its server process (bench/server-process.js).

const SECRET = 'bench secret key'

const contenders = {
  // The ceiling: node http doing nothing but answering.
  'bare http': () => (req, res) => {
    res.end('0')
  },

  // The floor for any manager that refreshes the cookie on every request (as generic-session
  // does): bare http plus Set-Cookie values of the same size, with no session work at all.
  'bare http + Set-Cookie': ({ signed }) => {
    const expires = new Date(Date.now() + 1209600 * 1000).toUTCString()
    const lines = [`s=${'x'.repeat(40)}; path=/; expires=${expires}; samesite=lax; httponly`]
    if (signed) lines.push(`s.sig=${'x'.repeat(27)}; path=/; expires=${expires}; samesite=lax; httponly`)
    return (req, res) => {
      res.setHeader('Set-Cookie', lines)
      res.end('0')
    }
  },

  // This package, MemoryStore.
  'generic-session (native)': ({ signed }) => {
    const genericSession = require('..')
    const filter = genericSession.filter(genericSession.MemoryStore(), signed ? { keys: [SECRET] } : {})
    return (req, res) => filter(req, res, () => countUp(req.session, res))
  },

  // The original generic-session 0.1.2 with lru-cache 4 and keygrip, as published.
  'generic-session 0.1.2': ({ signed }) => {
    const genericSession = require('generic-session-original')
    const filter = genericSession.filter(genericSession.MemoryStore(), signed ? { keys: [SECRET] } : {})
    return (req, res) => filter(req, res, () => countUp(req.session, res))
  },

  // This package, LevelStore (a fresh directory), through levelSession.
  'generic-session LevelStore': ({ signed }) => {
    const levelSession = require('../level-session')
    const filter = levelSession(Object.assign({ location: tempDir() }, signed ? { keys: [SECRET] } : {}))
    return (req, res) => filter(req, res, () => countUp(req.session, res))
  },

  // The original level-session 0.3.4 on level 6 (Google LevelDB), as published.
  'level-session 0.3.4': ({ signed }) => {
    const levelSession = require('level-session')
    const filter = levelSession(Object.assign({ location: tempDir() }, signed ? { keys: [SECRET] } : {}))
    return (req, res) => filter(req, res, () => countUp(req.session, res))
  },

  // express-session as plain middleware on node http, its default MemoryStore. It always signs.
  'express-session': signedOnly(() => {
    const session = require('express-session')
    return expressCountUp(session({ secret: SECRET, resave: false, saveUninitialized: false }))
  }),

  // This package, RedisStore, on the redis-server the runner started (REDIS_URL).
  'generic-session RedisStore': needsRedis(({ signed }) => {
    const genericSession = require('..')
    const store = genericSession.RedisStore({ url: process.env.REDIS_URL, prefix: `gs-bench:${process.env.BENCH_PREFIX || process.pid}:` })
    const filter = genericSession.filter(store, signed ? { keys: [SECRET] } : {})
    return (req, res) => filter(req, res, () => countUp(req.session, res))
  }),

  // express-session kept, with this package's RedisStore as its store (genericSession.expressStore),
  // on the same redis-server: what an express-session user gets by swapping connect-redis out.
  'express-session + expressStore(RedisStore)': signedOnly(needsRedis(() => {
    const session = require('express-session')
    const genericSession = require('..')
    const store = genericSession.RedisStore({ url: process.env.REDIS_URL, prefix: `ges-bench:${process.env.BENCH_PREFIX || process.pid}:` })
    return expressCountUp(session({ store: genericSession.expressStore(store), secret: SECRET, resave: false, saveUninitialized: false }))
  })),

  // express-session with connect-redis 9 on a node-redis 5 client, the same redis-server. The
  // client connects before the server listens (server-process.js awaits the factory).
  'express-session + connect-redis': signedOnly(needsRedis(async () => {
    const session = require('express-session')
    const { RedisStore } = require('connect-redis')
    const { createClient } = require('redis')
    const client = createClient({ url: process.env.REDIS_URL })
    client.on('error', (err) => console.error('connect-redis client:', err))
    await client.connect()
    const store = new RedisStore({ client, prefix: `cr-bench:${process.env.BENCH_PREFIX || process.pid}:` })
    return expressCountUp(session({ store, secret: SECRET, resave: false, saveUninitialized: false }))
  }))
}

// Marks a contender that only runs with signed cookies (express-session always signs).
function signedOnly (factory) {
  factory.signedOnly = true
  return factory
}

// Marks a contender that needs the runner's redis-server (REDIS_URL).
function needsRedis (factory) {
  factory.needsRedis = true
  return factory
}

// The count-up work, express-session style: the session is an object loaded before the handler.
function expressCountUp (middleware) {
  return (req, res) => middleware(req, res, (err) => {
    if (err) return fail(res, err)
    const n = req.session.count || 0
    req.session.count = n + 1
    res.end(String(n))
  })
}

// A database directory for this server process, removed when it exits.
function tempDir () {
  const fs = require('fs')
  const dir = fs.mkdtempSync(require('path').join(require('os').tmpdir(), 'gs-bench-'))
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function countUp (session, res) {
  session.get('count', (err, n) => {
    if (err) return fail(res, err)
    session.set('count', (n || 0) + 1, (err) => {
      if (err) return fail(res, err)
      res.end(String(n || 0))
    })
  })
}

function fail (res, err) {
  res.statusCode = 500
  res.end(String(err))
}

module.exports = contenders
