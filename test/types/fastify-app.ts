// Compiled by `npm test` (tsc --noEmit): a small Fastify app on generic-session/fastify.
// request.session is the package's Session once the module is imported; the @ts-expect-error
// lines must not compile.
import Fastify from 'fastify'
import genericSession = require('../..')
import fastifySession = require('../../fastify')

const app = Fastify({ trustProxy: true })
void app.register(fastifySession, { store: genericSession.MemoryStore(), keys: ['a secret'], expire: 3600, secure: 'auto' })

app.get('/count', async (request) => {
  const session: genericSession.Session = request.session
  const visits = (await session.get<number>('visits')) ?? 0
  await request.session.set('visits', visits + 1)
  return { visits, id: request.session.id }
})

app.post('/login', async (request) => {
  await request.session.regenerate()
  await request.session.set('user', 'ada')
  return { ok: true }
})

app.post('/logout', (request, reply) => {
  request.session.destroy((err) => reply.send(err ?? { ok: true }))
})

app.get('/wrong', async (request) => {
  // @ts-expect-error get() gives a Promise, not the number it holds
  const wrong: number = request.session.get('visits')
  // @ts-expect-error a session's token is read-only
  request.session.token = 'mine'
  return wrong
})

// @ts-expect-error the store is required
void app.register(fastifySession, { keys: ['a secret'] })
// @ts-expect-error secure is true, false or 'auto'
void app.register(fastifySession, { store: genericSession.MemoryStore(), secure: 'yes' })
// @ts-expect-error the store must implement the Store API
void app.register(fastifySession, { store: { get () {} } })

void app.listen({ port: 0 }).then(() => app.close())
