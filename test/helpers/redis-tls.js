'use strict'

// TLS for the Redis tests: certificates made with openssl in a temporary directory (a CA; a server
// certificate for localhost and 127.0.0.1 signed by it; a client certificate signed by it; a
// self-signed server certificate), and the redis-server arguments that serve TLS with them.

const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')

function openssl (dir, ...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

// Makes the certificates; returns their paths and PEM texts, and remove().
function makeCertificates () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gs-tls-'))
  const ext = path.join(dir, 'server.ext')
  fs.writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n')
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n')
  const key = (name) => openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`)
  key('ca')
  openssl(dir, 'req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', '/CN=generic-session test CA', '-out', 'ca.crt')
  for (const name of ['server', 'client']) {
    key(name)
    openssl(dir, 'req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name === 'server' ? 'localhost' : 'a client'}`, '-out', `${name}.csr`)
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`)
  }
  key('self')
  openssl(dir, 'req', '-x509', '-new', '-key', 'self.key', '-sha256', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-out', 'self.crt')
  const file = (name) => path.join(dir, name)
  const pem = (name) => fs.readFileSync(file(name), 'utf8')
  return {
    dir,
    file,
    ca: pem('ca.crt'),
    clientCert: pem('client.crt'),
    clientKey: pem('client.key'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true })
  }
}

// redis-server arguments serving TLS on `tlsPort` with `certs` (the plain port stays, for the
// tests' own redis-cli). `self`: the self-signed certificate instead of the CA's; `clients`:
// require a client certificate signed by the CA.
function tlsArgs (certs, tlsPort, { self = false, clients = false } = {}) {
  return [
    '--tls-port', String(tlsPort),
    '--tls-cert-file', certs.file(self ? 'self.crt' : 'server.crt'),
    '--tls-key-file', certs.file(self ? 'self.key' : 'server.key'),
    '--tls-ca-cert-file', certs.file('ca.crt'),
    '--tls-auth-clients', clients ? 'yes' : 'no'
  ]
}

module.exports = { makeCertificates, tlsArgs }
