'use strict'

// genericSession.expressStore(store[, options]): any store of this package (or any Store API
// object) as an express-session Store, which @fastify/session takes too. README, "Coming from
// express-session".

const { operationsFor } = require('../store-contract')
const { readOptions } = require('./options')
const { baseClass } = require('./base-class')
const { expressStoreClass } = require('./store-class')

function expressStore (store, options) {
  const config = readOptions(options)
  const operations = operationsFor(store) // throws for what is not a store, naming what it lacks
  const ExpressStore = expressStoreClass(baseClass(config.expressSession))
  return new ExpressStore(store, operations, config)
}

module.exports = { expressStore }
