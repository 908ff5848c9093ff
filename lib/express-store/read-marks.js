'use strict'

// Which keys a save has to write: those whose JSON differs from what *this request* read (and the
// deletion of those it removed), so parallel requests of one session that change different keys
// do not overwrite each other. The session handed to set() must lead back to what its request's
// get() returned; a mark, { sid, texts } (texts: key -> JSON text as read), rides along:
//
// - get() puts it on the session's cookie object under a symbol (never stored: JSON leaves symbols
//   out). @fastify/session spreads that cookie object into the session's cookie options, which
//   its Session keeps under a symbol property of its own: found there by looking at the objects
//   the session holds under symbols. express-session rebuilds the cookie (its Cookie copies only
//   string keys), so its createSession, which the expressStore overrides, moves the mark onto the
//   new Session first.
// - After each successful set() the mark is the session's own, non-enumerable, holding what was
//   written: a second save in the same request writes only what changed since the first.
//
// A mark counts only for the sid it was read for: a regenerated session (new sid) has none. A
// session with no mark (new, regenerated, or made by a framework that keeps neither) is written
// whole, key by key, and removes nothing.

const kRead = Symbol('generic-session.expressStore.read')

function markRead (cookie, sid, texts) {
  Object.defineProperty(cookie, kRead, { value: { sid, texts }, enumerable: true, configurable: true })
}

// The mark a session got from get() (through its cookie), for express-session's createSession.
function cookieMark (data) {
  return data && data.cookie && typeof data.cookie === 'object' ? data.cookie[kRead] : undefined
}

function keepMark (session, mark) {
  Object.defineProperty(session, kRead, { value: mark, enumerable: false, configurable: true, writable: true })
}

// The texts `session` was read with, if it carries a mark for `sid`; else null.
function readTexts (session, sid) {
  const mark = findMark(session)
  return mark && mark.sid === sid ? mark.texts : null
}

function findMark (session) {
  if (session[kRead]) return session[kRead]
  const fromCookie = cookieMark(session)
  if (fromCookie) return fromCookie
  for (const symbol of Object.getOwnPropertySymbols(session)) {
    const held = session[symbol]
    if (held !== null && typeof held === 'object' && held[kRead]) return held[kRead]
  }
  return undefined
}

// After a save: what the store now holds for this session, as seen by this request.
function markWritten (session, sid, texts) {
  keepMark(session, { sid, texts })
}

module.exports = { markRead, cookieMark, keepMark, readTexts, markWritten }
