// Compiled by `npm test` (tsc --noEmit, strict), a program of its own: express-session's types put
// their own req.session on Express's Request, so this app imports generic-session/express-store,
// the package's types without req.session. genericSession.expressStore as the store of
// express-session (its @types Store) and of @fastify/session (its SessionStore).
import express = require('express')
import session = require('express-session')
import Fastify from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import genericSession = require('../../../express-store')

const store = genericSession.LevelStore('./sessions')

const app = express()
app.use(session({ store: genericSession.expressStore(store), secret: 'a secret', resave: false, saveUninitialized: false }))
app.use(session({ store: genericSession.expressStore(genericSession.MemoryStore(), { prefix: '', expire: 3600, expressSession: session }), secret: 'a secret' }))
const asStore: session.Store = genericSession.expressStore(genericSession.RedisStore())
asStore.all?.((err, sessions) => { void err; void sessions })

const fastify = Fastify()
void fastify.register(fastifyCookie)
void fastify.register(fastifySession, { store: genericSession.expressStore(store), secret: 'a secret of at least thirty-two characters' })

const sessions = genericSession.expressStore(store)
sessions.length((err, n) => { void err; const count: number | undefined = n; void count })
sessions.all((err, all) => { void err; void (all && all.sid && all.sid.cookie) })
sessions.clear()
// @ts-expect-error prefix is a string
genericSession.expressStore(store, { prefix: 1 })
// @ts-expect-error expire is a number of seconds
genericSession.expressStore(store, { expire: '60' })
