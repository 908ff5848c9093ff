// `import genericSession from 'generic-session'` (and the named imports) from ES modules: the same
// CommonJS module, so ESM and CommonJS code in one process share stores and options.
import genericSession from './index.js'

export default genericSession
export const { middleware, filter, MemoryStore, LevelStore, RedisStore, levelSession, userIndexMethods, channels, metrics, expressStore } = genericSession
