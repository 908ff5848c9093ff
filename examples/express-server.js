'use strict'

// generic-session as Express middleware: a visit counter and a small key/value API.
//   node examples/express-server.js, then open http://127.0.0.1:8080/ and reload.
const express = require('express')
const genericSession = require('../')

const app = express()
const port = Number(process.env.PORT || 8080)

// Signed cookies: put the newest key first to rotate.
app.use(genericSession.middleware(genericSession.MemoryStore(), { keys: ['replace me with a secret'] }))

app.get('/', async (req, res, next) => {
  try {
    const visits = ((await req.session.get('visits')) || 0) + 1
    await req.session.set('visits', visits)
    res.json({ visits })
  } catch (err) {
    next(err)
  }
})

app.get('/set/:key/:value', (req, res, next) => {
  req.session.set(req.params.key, req.params.value, (err) => (err ? next(err) : res.json({ ok: true })))
})

app.get('/get/:key', (req, res, next) => {
  req.session.get(req.params.key, (err, value) => (err ? next(err) : res.json({ value })))
})

app.get('/logout', (req, res, next) => {
  req.session.destroy((err) => (err ? next(err) : res.json({ destroyed: true })))
})

app.listen(port, '127.0.0.1', function () {
  console.log('express-server listening on http://127.0.0.1:' + this.address().port)
})
