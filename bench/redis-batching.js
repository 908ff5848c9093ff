'use strict'

// What redis-server spends on one session write, by how many writes reach it together: a raw
// RESP client on one socket sends batches of B writes (each RedisStore's MULTI, HSET, PEXPIRE,
// EXEC, with and without the PTTL that keeps a cached session tracked; and connect-redis's GET
// then SET for comparison), waits for the batch's replies, and sends the next. redis-server's CPU
// time per write (INFO cpu) shows where a session store's Redis cost goes: into each read and
// write of a socket, far more than into the commands. Run: `node bench/redis-batching.js`.

const net = require('net')
const { startRedis, SKIPPED } = require('./redis-server')

const WRITES = 40000
const BATCHES = [1, 4, 16]
const SESSION_JSON = '{"cookie":{"originalMaxAge":86400000,"httpOnly":true,"path":"/"},"count":123}'

const resp = (...args) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')

const SHAPES = {
  'MULTI HSET PEXPIRE PTTL EXEC (a cached session)': (key) =>
    resp('MULTI') + resp('HSET', key, 'count', '123') + resp('PEXPIRE', key, 86400000) + resp('PTTL', key) + resp('EXEC'),
  'MULTI HSET PEXPIRE EXEC': (key) => resp('MULTI') + resp('HSET', key, 'count', '123') + resp('PEXPIRE', key, 86400000) + resp('EXEC'),
  'GET, SET EX (connect-redis)': (key) => resp('GET', 's' + key) + resp('SET', 's' + key, SESSION_JSON, 'EX', 86400)
}

// Sends WRITES writes of `shape` in batches of `batch` on one connection with tracking on, as
// RedisStore's near-cache connection has it; resolves to redis-server's µs per write.
async function measure (redis, shape, batch) {
  const socket = net.connect(redis.port, '127.0.0.1')
  socket.setNoDelay(true)
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  let received = ''
  const until = (marker) => new Promise((resolve) => {
    const onData = (data) => {
      received += data
      if (!received.includes(marker)) return
      received = ''
      socket.off('data', onData)
      resolve()
    }
    socket.on('data', onData)
  })
  socket.write(resp('HELLO', '3') + resp('CLIENT', 'TRACKING', 'ON', 'NOLOOP') + resp('ECHO', 'ready'))
  await until('ready\r\n')
  const before = await redis.cpuMicros()
  for (let sent = 0; sent < WRITES; sent += batch) {
    let text = ''
    for (let i = 0; i < batch; i++) text += SHAPES[shape](`sess:{${(sent + i) % 1000}}`)
    const replied = until('batch-end\r\n')
    socket.write(text + resp('ECHO', 'batch-end'))
    await replied
  }
  const micros = (await redis.cpuMicros()) - before
  socket.destroy()
  return micros / WRITES
}

async function main () {
  const redis = await startRedis()
  if (!redis) {
    console.log(SKIPPED)
    return
  }
  try {
    console.log(`${redis.version}; ${WRITES} writes per row; redis-server CPU µs per write\n`)
    console.log(`| write | ${BATCHES.map((b) => `${b} at a time`).join(' | ')} |`)
    console.log(`| --- | ${BATCHES.map(() => '---:').join(' | ')} |`)
    for (const shape of Object.keys(SHAPES)) {
      const cells = []
      for (const batch of BATCHES) cells.push((await measure(redis, shape, batch)).toFixed(1))
      console.log(`| ${shape} | ${cells.join(' | ')} |`)
    }
  } finally {
    await redis.stop()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
