'use strict'

// How session ids and keys reach storage: as text that survives UTF-8. JavaScript strings are
// UTF-16 and may hold lone surrogates, which UTF-8 cannot carry: N-API and level's utf8 encoding
// turn each into U+FFFD, so 'x\uD800', 'x\uDFFF' and 'x\uFFFD' would be one key (and two ids one
// session). Before a string crosses, each lone surrogate becomes U+FDD0 (a noncharacter, which
// Unicode keeps for internal use) followed by a private-use character that says which surrogate
// it was, and U+FDD0 itself is doubled. Every other string, which is all real ones, crosses as it
// is, so what was stored before reads the same.
//
// The Store API's rule for ids and keys lives here too: a string, or a number (its decimal text,
// as a property name). Anything else (a Symbol, an object, undefined) is refused with a TypeError,
// thrown here and handed to the callback by every store alike.

const ESCAPE = 0xfdd0
const SURROGATE_BASE = 0xd800
const MARK_BASE = 0xe000 // U+E000..U+E7FF: the 2048 surrogates, in order
const NEEDS_ESCAPE = /[\uFDD0\uD800-\uDFFF]/

// The stored text of a key or id given to a store (`what` names it in errors).
function storedText (value, what) {
  const text = typeof value === 'string' ? value : asString(value, what)
  return NEEDS_ESCAPE.test(text) ? escape(text) : text
}

// [id, key] of one Store API call as stored text, made once per call; `keyIs` names the second
// ('key', or 'id' for a move's target), and without it there is none. A bad one is called back
// with its TypeError (on the next tick), and the result is null.
function callTexts (callback, id, key, keyIs) {
  try {
    return [storedText(id, 'id'), keyIs === undefined ? undefined : storedText(key, keyIs)]
  } catch (err) {
    process.nextTick(callback, err)
    return null
  }
}

function asString (value, what) {
  if (typeof value === 'number') return String(value)
  const got = value === null ? 'null' : typeof value === 'object' ? 'an object' : typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`
  throw new TypeError(`the session ${what} must be a string or a number, got ${got}`)
}

function escape (text) {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit === ESCAPE) {
      out += '\uFDD0\uFDD0'
    } else if (unit >= 0xd800 && unit <= 0xdbff && isLow(text.charCodeAt(i + 1))) {
      out += text[i] + text[i + 1] // a proper pair: UTF-8 carries it
      i++
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += '\uFDD0' + String.fromCharCode(MARK_BASE + unit - SURROGATE_BASE)
    } else {
      out += text[i]
    }
  }
  return out
}

function isLow (unit) {
  return unit >= 0xdc00 && unit <= 0xdfff
}

// The key a stored key text stands for.
function userText (text) {
  return text.indexOf('\uFDD0') === -1 ? text : unescape(text)
}

function unescape (text) {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    const next = text.charCodeAt(i + 1)
    if (unit === ESCAPE && next === ESCAPE) {
      out += '\uFDD0'
      i++
    } else if (unit === ESCAPE && next >= MARK_BASE && next < MARK_BASE + 0x800) {
      out += String.fromCharCode(SURROGATE_BASE + next - MARK_BASE)
      i++
    } else {
      out += text[i] // not written by escape(): kept as found
    }
  }
  return out
}

// Stored ids, as listed by a store's ids(), as the callers gave them.
function userIds (texts) {
  return texts.map(userText)
}

// A getAll result with its keys as the caller gave them (the object itself when none was escaped).
function userKeys (data) {
  if (data === null || typeof data !== 'object') return data
  let escaped = false
  for (const key in data) {
    if (key.indexOf('\uFDD0') !== -1) {
      escaped = true
      break
    }
  }
  if (!escaped) return data
  const out = {}
  for (const key of Object.keys(data)) {
    // defineProperty: a key named __proto__ is data, as JSON.parse makes it.
    Object.defineProperty(out, userText(key), { value: data[key], enumerable: true, writable: true, configurable: true })
  }
  return out
}

module.exports = { storedText, callTexts, userText, userIds, userKeys }
