'use strict'

// A small application over a session filter, for the tests of the security features: each route
// answers JSON, and a failed session call answers 500 with { error }.
//   /read              { id, data }: the whole session, and its id once the store call is done
//                      (with strict or maxLifetime the id is final only then)
//   /set/<k>/<v>       sets one key; { id }
//   /slow-set/<k>/<v>  reads, waits 300 ms (a slow upstream call), then sets; { id }
//   /count             reads `count` and stores count + 1; { id, read } (read: what it found)
//   /login             regenerate(); { before, after }
//   /destroy           destroy(); null

const { setTimeout: sleep } = require('timers/promises')

function sessionApp (filter) {
  return (req, res) => filter(req, res, async () => {
    const send = (value) => res.end(JSON.stringify(value === undefined ? null : value))
    const session = req.session
    let m
    try {
      if (req.url === '/read') {
        const data = await session.getAll()
        return send({ id: session.id, data })
      }
      if ((m = req.url.match(/^\/(slow-)?set\/([^/]+)\/(.+)$/))) {
        if (m[1]) {
          await session.getAll()
          await sleep(300)
        }
        await session.set(m[2], m[3])
        return send({ id: session.id })
      }
      if (req.url === '/count') {
        const read = await session.get('count')
        await session.set('count', (read || 0) + 1)
        return send({ id: session.id, read })
      }
      if (req.url === '/login') {
        const before = session.id
        await session.regenerate()
        return send({ before, after: session.id })
      }
      if (req.url === '/destroy') return send(await session.destroy())
      send('?')
    } catch (err) {
      res.statusCode = 500
      send({ error: err.message })
    }
  })
}

module.exports = { sessionApp, sleep }
