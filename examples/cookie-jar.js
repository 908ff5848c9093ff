'use strict'

// A minimal cookie jar for the example client on Node's own fetch (the original client used the
// deprecated `request` package and its jar). It keeps name=value pairs and drops a cookie whose
// Set-Cookie has expired, which is all a session cookie needs.

class CookieJar {
  constructor () {
    this.cookies = new Map()
  }

  // Records the response's Set-Cookie values.
  store (response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const expires = attributes.map((a) => a.trim()).find((a) => /^expires=/i.test(a))
      if (expires && Date.parse(expires.slice(8)) <= Date.now()) this.cookies.delete(name)
      else this.cookies.set(name, pair.slice(eq + 1).trim())
    }
  }

  // The Cookie request header for what the jar holds.
  header () {
    return Array.from(this.cookies, ([name, value]) => `${name}=${value}`).join('; ')
  }
}

// fetch() with the jar: sends its cookies and keeps what comes back.
async function fetchWithJar (jar, url) {
  const cookie = jar.header()
  const response = await fetch(url, { headers: cookie ? { cookie } : {} })
  jar.store(response)
  return response
}

module.exports = { CookieJar, fetchWithJar }
