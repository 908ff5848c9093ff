'use strict'

// Helpers for the LevelStore tests: a fresh temporary directory per test, closing a store, and
// child processes that drive a LevelStore (test/fixtures/level-store-child.js) line by line. The
// Promise forms of the Store API (./store-promises) are passed on for the LevelStore tests.

const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawn } = require('child_process')
const { HOUR, api } = require('./store-promises')

const { setTimeout: sleep } = require('timers/promises')

function tempDir () {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gs-level-'))
}

function removeDir (dir) {
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
}

// The expiry tests' sessions 'by-get', 'by-getAll', 'by-set', 'by-del', 'by-extend' and 'idle',
// each holding { k: <its id> }: for `ms`, every 100 ms, each but 'idle' is touched by the call it
// is named after, each call passing `expire`.
async function touchEvery100ms (s, ms, expire) {
  for (const id of ['by-get', 'by-getAll', 'by-set', 'by-del', 'by-extend', 'idle']) await s.set(id, 'k', id, expire)
  const started = Date.now()
  while (Date.now() - started < ms) {
    await sleep(100)
    await Promise.all([
      s.get('by-get', 'k', expire),
      s.getAll('by-getAll', expire),
      s.set('by-set', 'tick', Date.now(), expire),
      s.del('by-del', 'not-there', expire),
      s.extend('by-extend', expire)
    ])
  }
}

// close(cb) as a Promise of the callback's error argument (the promise never rejects).
function closeStore (store) {
  return new Promise((resolve) => store.close((err) => resolve(err)))
}

// Closes a store (or filter) if it is open, ignoring errors: for afterEach.
async function closeQuietly (store) {
  if (!store || typeof store.close !== 'function') return
  try {
    // The timer must not keep the process alive once the store has closed.
    await Promise.race([closeStore(store), sleep(10000, undefined, { ref: false })])
  } catch (_) {}
}

const CHILD = path.join(__dirname, '..', 'fixtures', 'level-store-child.js')

// A child process running test/fixtures/level-store-child.js <mode> <dir> ...args, its stdout
// read line by line.
class Child {
  constructor (mode, dir, ...args) {
    this.lines = []
    this.stderr = ''
    this.waiters = []
    this.proc = spawn(process.execPath, [CHILD, mode, dir, ...args.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let partial = ''
    this.proc.stdout.setEncoding('utf8')
    this.proc.stdout.on('data', (chunk) => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop() // an unfinished line is not counted until its newline arrives
      for (const line of parts) this._line(line)
    })
    this.proc.stderr.setEncoding('utf8')
    this.proc.stderr.on('data', (chunk) => { this.stderr += chunk })
    this.exited = new Promise((resolve) => this.proc.on('close', (code, signal) => {
      this.exitInfo = { code, signal }
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`child ${mode} exited (${code}, ${signal}) before: ${waiter.what}\nstdout lines: ${this.lines.slice(-5).join(' | ')}\nstderr: ${this.stderr}`))
      resolve(this.exitInfo)
    }))
    this.onLine = null
  }

  _line (line) {
    this.lines.push(line)
    if (this.onLine) this.onLine(line)
    for (const waiter of this.waiters.slice()) {
      if (waiter.test(line)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  }

  // Resolves to the first line (already seen or to come) passing `test`, within `ms`.
  waitForLine (test, what, ms = 15000) {
    const seen = this.lines.find(test)
    if (seen !== undefined) return Promise.resolve(seen)
    if (this.exitInfo) return Promise.reject(new Error(`child already exited (${this.exitInfo.code}, ${this.exitInfo.signal}) before: ${what}\nstderr: ${this.stderr}`))
    return new Promise((resolve, reject) => {
      // Cleared once the line comes (or the child exits), so it does not hold the process open.
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) {
          this.waiters.splice(i, 1)
          reject(new Error(`timed out after ${ms} ms waiting for: ${what}\nlast stdout lines: ${this.lines.slice(-5).join(' | ')}\nstderr: ${this.stderr}`))
        }
      }, ms)
      const settle = (fn) => (value) => {
        clearTimeout(timer)
        fn(value)
      }
      const waiter = { test, what, resolve: settle(resolve), reject: settle(reject) }
      this.waiters.push(waiter)
    })
  }

  // Resolves to { code, signal } once the process has exited, killing it if it takes over `ms`.
  async exit (ms = 15000) {
    const timer = setTimeout(() => this.kill(), ms)
    const info = await this.exited
    clearTimeout(timer)
    return info
  }

  kill (signal = 'SIGKILL') {
    if (!this.exitInfo) this.proc.kill(signal)
    return this.exited
  }
}

// Runs a child to completion: resolves to { code, signal, lines, stderr }.
async function runChild (mode, dir, ...args) {
  const child = new Child(mode, dir, ...args)
  const { code, signal } = await child.exit()
  return { code, signal, lines: child.lines, stderr: child.stderr }
}

module.exports = { HOUR, sleep, tempDir, removeDir, api, touchEvery100ms, closeStore, closeQuietly, Child, runChild }
