// `import ... from 'generic-session/express-store'`: the package's ES module entry, named imports
// included (a CommonJS re-export would give ES modules the default import alone).
export * from './index.mjs'
export { default } from './index.mjs'
