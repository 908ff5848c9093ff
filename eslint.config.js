'use strict'

// `npm run lint`: neostandard (the JavaScript Standard Style, on ESLint 9), over everything but
// what is generated or installed. Tests run under mocha; the type test is TypeScript.
module.exports = [
  ...require('neostandard')({
    ignores: [
      'binding.js', 'binding.d.ts', 'target/**', 'node_modules/**',
      // The originals' README servers, kept as they wrote them (ES5, comma-first) to show that
      // their code runs unchanged.
      'examples/simple-server.js', 'examples/level-server.js'
    ],
    env: ['mocha'],
    ts: true
  }),
  {
    // The type test only has to compile: `void x` marks a value as used, and callbacks there
    // exist to be type-checked, not to handle errors.
    files: ['test/types/**'],
    rules: { 'no-void': 'off', 'n/handle-callback-err': 'off' }
  }
]
