// Compiled by `npm test` (tsc --noEmit, strict): an Express 5 app on genericSession.middleware,
// with `req.session` typed as the package's Session (Express's Request extends Node's
// IncomingMessage, which the package's types give `session`).
import express = require('express')
import genericSession = require('../..')

const app = express()
app.use(genericSession.middleware(genericSession.LevelStore('./sessions'), { keys: ['a secret'], lazy: true }))

app.post('/login', async (req, res, next) => {
  try {
    await req.session.regenerate()
    await req.session.set('user', { id: 7 })
    res.json({ ok: true })
  } catch (err) {
    next(err)
  }
})

app.get('/me', (req, res, next) => {
  req.session.get('user', (err, user: { id: number } | undefined) => {
    if (err) return next(err)
    const id: number | undefined = user?.id
    res.json({ id })
  })
})

app.post('/logout', (req, res) => {
  void req.session.destroy().then(() => res.end())
  // @ts-expect-error express-session's habit: properties are not the store; use set()
  req.session.user = { id: 7 }
})

app.listen(0)
