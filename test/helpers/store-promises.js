'use strict'

// Promise forms of the Store API (get/getAll/set/del/delAll/extend, and revoke, which this
// package's stores have), each checking that its
// callback is not called synchronously: for calling any store directly in tests.

const HOUR = 60 * 60 * 1000

// `expire` defaults to an hour.
function api (store, defaultExpire = HOUR) {
  const call = (method, ...args) => new Promise((resolve, reject) => {
    let returned = false
    store[method](...args, (err, value) => {
      if (!returned) return reject(new Error(`${method} called back synchronously`))
      err ? reject(err) : resolve(value)
    })
    returned = true
  })
  // the error a call calls back with (or null), never rejecting
  const errorOf = (method, ...args) => new Promise((resolve) => {
    let returned = false
    store[method](...args, (err) => resolve(returned ? err : new Error(`${method} called back synchronously`)))
    returned = true
  })
  return {
    get: (id, key, expire = defaultExpire) => call('get', id, key, expire),
    getAll: (id, expire = defaultExpire) => call('getAll', id, expire),
    set: (id, key, value, expire = defaultExpire) => call('set', id, key, value, expire),
    del: (id, key, expire = defaultExpire) => call('del', id, key, expire),
    delAll: (id) => call('delAll', id),
    revoke: (id) => call('revoke', id),
    extend: (id, expire = defaultExpire) => call('extend', id, expire),
    errorOf,
    // the error each operation on session `id` calls back with, by method name, one after another
    errorsOfEach: async (id) => ({
      get: await errorOf('get', id, 'k', HOUR),
      getAll: await errorOf('getAll', id, HOUR),
      set: await errorOf('set', id, 'k', 'w', HOUR),
      del: await errorOf('del', id, 'k', HOUR),
      delAll: await errorOf('delAll', id),
      extend: await errorOf('extend', id, HOUR)
    })
  }
}

module.exports = { HOUR, api }
