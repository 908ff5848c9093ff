'use strict'

// An example from examples/ run as a user runs it: its own process, PORT=0, resolved once it says
// where it listens.

const path = require('path')
const { spawn } = require('child_process')

const examples = path.join(__dirname, '..', '..', 'examples')

// Starts an example server with PORT=0 and resolves once it says where it listens.
function startExample (file, env = {}) {
  return startProcess(path.join(examples, file), env)
}

// Starts the server script at `file` in a process of its own (PORT=0), as startExample does.
function startProcess (file, env = {}) {
  const child = spawn(process.execPath, [file], { env: { ...process.env, PORT: '0', ...env } })
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      if (match) {
        resolve({
          url: match[1],
          port: match[1].split(':')[2],
          stop: () => new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            child.once('exit', resolve)
            child.kill()
          })
        })
      }
    })
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${output}`)))
  })
}

module.exports = { startExample, startProcess }
