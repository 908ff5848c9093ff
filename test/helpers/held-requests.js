'use strict'

// Holding a request between its read of the session and its save, deterministically: the route
// calls `hold(name)` after the framework has read the session; the test awaits `arrived(name)`,
// runs other requests meanwhile, then calls `release(name)`, and the held route goes on to change
// the session and answer. Each hold is bounded: a test that forgets to release fails after 10 s
// instead of hanging.

function heldRequests () {
  const waits = new Map() // name -> { arrived, signalArrived, released, release }
  const entry = (name) => {
    let e = waits.get(name)
    if (!e) {
      e = {}
      e.arrived = new Promise((resolve) => { e.signalArrived = resolve })
      e.released = new Promise((resolve, reject) => {
        e.release = resolve
        e.timer = setTimeout(() => reject(new Error(`request ${name} was held and never released`)), 10000)
      })
      e.released.catch(() => {}) // reported by hold(), which awaits it
      waits.set(name, e)
    }
    return e
  }
  return {
    async hold (name) {
      const e = entry(name)
      e.signalArrived()
      try {
        await e.released
      } finally {
        clearTimeout(e.timer)
      }
    },
    arrived: (name) => entry(name).arrived,
    release (name) {
      const e = entry(name)
      clearTimeout(e.timer)
      e.release()
    }
  }
}

module.exports = { heldRequests }
