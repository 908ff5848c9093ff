'use strict'

// The original README's client, on Node's own fetch with a cookie jar.
const { CookieJar, fetchWithJar } = require('./cookie-jar')

const port = Number(process.env.PORT || 8080)
const jar = new CookieJar()

async function req (path) {
  const response = await fetchWithJar(jar, `http://127.0.0.1:${port}/${path}`)
  return response.json()
}

async function main () {
  await req('set/foo/bar')
  console.log('Set foo = bar')
  const body = await req('get/foo')
  console.log('Fetched foo =', body)
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
