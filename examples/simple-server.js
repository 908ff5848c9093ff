// The original README's server, unchanged but for the address: loopback, and a port PORT may set.
var http = require('http')
  , genericSession = require('../')
  , store = genericSession.MemoryStore()
  , port = Number(process.env.PORT || 8080)

http.createServer(function (req, res) {
  var session = genericSession(req, res, store)
    , m

  res.writeHead(200)

  if (m = req.url.match(/^\/get\/(.+)/)) {
    return session.get(m[1], function (err, data) {
      res.end(JSON.stringify(data))
    })
  } else if (m = req.url.match(/^\/set\/([^\/]+)\/(.+)/)) {
    return session.set(m[1], m[2], function () {
      res.end(JSON.stringify(m[2]))
    })
  }
  res.end('ERROR')
}).listen(port, '127.0.0.1', function () {
  console.log('simple-server listening on http://127.0.0.1:' + this.address().port)
})
