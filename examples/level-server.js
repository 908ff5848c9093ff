// The level-session README's server: sessions in a LevelDB directory, kept across restarts.
// `npm start` serves it; DATA sets the directory (./data by default), PORT the port.
var http = require('http')
  , levelSession = require('../level-session')(process.env.DATA || './data')
  , port = Number(process.env.PORT || 8080)

http.createServer(function (req, res) {
  levelSession(req, res, function () {
    var m
    res.writeHead(200)
    if (m = req.url.match(/^\/get\/(.+)/)) {
      return req.session.get(m[1], function (err, data) {
        res.end(JSON.stringify(data))
      })
    } else if (m = req.url.match(/^\/set\/([^\/]+)\/(.+)/)) {
      return req.session.set(m[1], m[2], function () {
        res.end(JSON.stringify(m[2]))
      })
    }
    res.end('ERROR')
  })
}).listen(port, '127.0.0.1', function () {
  console.log('level-server listening on http://127.0.0.1:' + this.address().port)
})

// Close the store on the way out so the next start finds the directory unlocked at once.
process.on('SIGINT', function () { levelSession.close(function () { process.exit(0) }) })
process.on('SIGTERM', function () { levelSession.close(function () { process.exit(0) }) })
