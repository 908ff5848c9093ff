'use strict'

// Real HTTP for tests: a server on a free 127.0.0.1 port, and a client (Node's fetch) that keeps
// cookies in a tough-cookie jar, as a browser would.

const http = require('http')
const { CookieJar } = require('tough-cookie')

// Starts `handler` on a free loopback port; resolves to { url, close() }.
function startServer (handler) {
  const server = http.createServer(handler)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        server,
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        })
      })
    })
  })
}

// A client with its own cookie jar (or the `jar` given: two clients on one jar are one browser
// talking to two servers). `get(path)` resolves to { status, body (parsed JSON when it parses),
// headers, setCookies }.
function createClient (baseUrl, jar = new CookieJar()) {
  async function get (path, extraHeaders = {}) {
    const url = baseUrl + path
    const cookie = jar.getCookieStringSync(url)
    const headers = Object.assign(cookie ? { cookie } : {}, extraHeaders)
    const res = await fetch(url, { headers })
    const setCookies = res.headers.getSetCookie()
    for (const line of setCookies) jar.setCookieSync(line, url)
    const text = await res.text()
    let body = text
    try { body = JSON.parse(text) } catch (_) {}
    return { status: res.status, body, headers: res.headers, setCookies }
  }
  function cookies () {
    return jar.getCookiesSync(baseUrl)
  }
  function cookie (name) {
    return cookies().find((c) => c.key === name)
  }
  return { get, jar, cookies, cookie }
}

// A raw request with exactly the headers given (no jar), for hostile input.
async function rawGet (url, headers) {
  const res = await fetch(url, { headers })
  const text = await res.text()
  let body = text
  try { body = JSON.parse(text) } catch (_) {}
  return { status: res.status, body, setCookies: res.headers.getSetCookie() }
}

module.exports = { startServer, createClient, rawGet }
