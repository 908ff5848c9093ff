'use strict'

// `node bench/session-step.js [signed]`: one request's session step in process, with no HTTP: the
// middleware on a stub request and response carrying one of 1,000 sessions' cookies, then a `get`
// and a `set` on a MemoryStore. Prints nanoseconds per request, best and median of 7 rounds of
// 200,000. Small costs on the request path (metrics' clock reads, say) show here; over HTTP they
// drown in the run-to-run noise.

const genericSession = require('..')

const signed = process.argv[2] === 'signed'
const ROUNDS = 7
const PER_ROUND = 200000
const filter = genericSession.filter(genericSession.MemoryStore(), signed ? { keys: ['a secret'] } : {})

function request (cookie) {
  const headers = {}
  const res = { getHeader (name) { return headers[name] }, setHeader (name, value) { headers[name] = value }, headers }
  return [{ headers: cookie ? { cookie } : {}, connection: { encrypted: false } }, res]
}

// The 1,000 sessions' Cookie headers.
const cookies = Array.from({ length: 1000 }, () => {
  const [req, res] = request()
  filter(req, res, () => {})
  return res.headers['Set-Cookie'].map((line) => line.split(';')[0]).join('; ')
})

// Resolves to the nanoseconds per request of `n` requests one after another (a setImmediate every
// 100, so the stack stays flat).
function round (n) {
  return new Promise((resolve) => {
    let left = n
    const started = process.hrtime.bigint()
    const one = () => {
      const [req, res] = request(cookies[left % cookies.length])
      filter(req, res, () => {
        req.session.get('n', (err, count) => {
          if (err) throw err
          req.session.set('n', (count || 0) + 1, () => {
            if (--left === 0) resolve(Number(process.hrtime.bigint() - started) / n)
            else if (left % 100 === 0) setImmediate(one)
            else one()
          })
        })
      })
    }
    one()
  })
}

async function main () {
  const results = []
  for (let i = 0; i < ROUNDS; i++) results.push(await round(PER_ROUND))
  results.sort((a, b) => a - b)
  console.log(`${signed ? 'signed' : 'unsigned'}: ${results[0].toFixed(0)} ns per request (best of ${ROUNDS}), median ${results[ROUNDS >> 1].toFixed(0)}`)
}

main()
