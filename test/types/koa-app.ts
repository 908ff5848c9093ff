// Compiled by `npm test` (tsc --noEmit): a small Koa app on generic-session/koa. ctx.session is
// the package's Session once the module is imported; the @ts-expect-error lines must not compile.
import Koa = require('koa')
import genericSession = require('../..')
import koaSession = require('../../koa')

const app = new Koa()
app.use(koaSession(genericSession.MemoryStore(), { keys: ['a secret'], lazy: true, sameSite: 'strict' }))

app.use(async (ctx, next) => {
  const session: genericSession.Session = ctx.session
  const visits = (await session.get<number>('visits')) ?? 0
  await ctx.session.set('visits', visits + 1)
  if (ctx.path === '/login') {
    await ctx.session.regenerate()
    await ctx.session.set('user', 'ada')
  }
  if (ctx.path === '/logout') ctx.session.destroy((err) => { if (err) ctx.throw(500) })
  ctx.body = { visits, id: ctx.session.id }
  await next()
})

app.use(async (ctx) => {
  // @ts-expect-error get() gives a Promise, not the number it holds
  const wrong: number = ctx.session.get('visits')
  // @ts-expect-error no such method on a Session
  ctx.session.save()
  void wrong
})

// @ts-expect-error expire is seconds, a number or numeric string
koaSession(genericSession.MemoryStore(), { expire: true })
// @ts-expect-error a Cookies object belongs to one request: refused
koaSession(genericSession.MemoryStore(), { cookies: { get: () => undefined, set: () => undefined } })
// @ts-expect-error the store comes first
koaSession({ keys: ['a secret'] })

app.listen(0).close()
