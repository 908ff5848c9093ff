// Compiled by `npm test` (tsc --noEmit, strict): importing generic-session types `req.session`
// and `res.session` on Node's own request and response, as genericSession.middleware sets them.
import http = require('http')
import genericSession = require('../..')

const sessions = genericSession.middleware(genericSession.MemoryStore(), { keys: ['a secret'] })

http.createServer((req, res) => sessions(req, res, async () => {
  const visits = (await req.session.get<number>('visits')) ?? 0
  await req.session.set('visits', visits + 1)
  const same: genericSession.Session = res.session
  const token: string = req.session.token
  // @ts-expect-error get resolves to the value, not a number of visits already
  const wrong: number = await req.session.get('visits')
  // @ts-expect-error sessions have no save(): every set is stored at once
  req.session.save()
  void [same, token, wrong]
  res.end(String(visits + 1))
})).listen(0)
