'use strict'

// One queue per session id: a task starts once every task queued before it for that id has
// settled. LevelStore({ db }) runs each session's operations through one (stores/level/app-db.js),
// sessions of a user their binds (users/session-user.js).

const noop = () => {}

class SessionQueues {
  constructor () {
    // id -> Promise settled when its last queued task has; a plain object, not a Map, for the
    // reason Tickets gives in stores/ticketed.js (a Map's replaced tables keep their entries alive).
    this.tails = Object.create(null)
  }

  // Resolves or rejects as task() does.
  run (id, task) {
    const previous = this.tails[id] || Promise.resolve()
    const result = previous.then(task)
    const tail = result.then(noop, noop)
    this.tails[id] = tail
    tail.then(() => {
      if (this.tails[id] === tail) delete this.tails[id]
    })
    return result
  }

  // Settles once every task queued so far has (tasks those queue themselves included: each waits
  // for its own).
  settled () {
    return Promise.all(Object.values(this.tails))
  }
}

module.exports = { SessionQueues }
