import genericSession = require('./index')
declare const MemoryStore: genericSession.MemoryStoreConstructor
export = MemoryStore
