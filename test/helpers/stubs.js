'use strict'

// The minimal request and response of SPEC (and of the original's own tests): nothing beyond
// these may be required. The response records what is set on it.
function stubRequest (cookie) {
  return { headers: cookie === undefined ? {} : { cookie }, connection: { encrypted: false } }
}

function stubResponse () {
  const headers = {}
  return {
    headers,
    getHeader (name) { return headers[name.toLowerCase()] },
    setHeader (name, value) { headers[name.toLowerCase()] = value }
  }
}

module.exports = { stubRequest, stubResponse }
