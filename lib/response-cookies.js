'use strict'

// Writing Set-Cookie values onto a response without losing what is already there.

// Sets `lines` as the response's Set-Cookie values (an array, as the original's `cookies` package
// wrote them). Values already set for other cookies are kept; an earlier value for one of `names`
// (this session's cookie and its .sig) is replaced.
function setCookies (res, lines, names) {
  const existing = res.getHeader('Set-Cookie')
  if (existing === undefined || existing === null) {
    res.setHeader('Set-Cookie', lines)
    return
  }
  const others = (Array.isArray(existing) ? existing : [String(existing)])
    .filter((line) => !names.some((name) => line.startsWith(name + '=')))
  res.setHeader('Set-Cookie', others.concat(lines))
}

module.exports = { setCookies }
