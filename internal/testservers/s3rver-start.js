// Starts @20minutes/s3rver for batchsign's integration tests (see s3rver.go).
//
// Run by the Go helper as `node s3rver-start.js`, configured only through the
// environment so that nothing secret appears in `ps`:
//
//   S3RVER_MODULES  folder holding node_modules/@20minutes/s3rver (.cache/s3rver)
//   S3RVER_PORT     TCP port on 127.0.0.1
//   S3RVER_DIR      data directory
//   S3RVER_BUCKET   bucket created before the server accepts requests
//   S3RVER_ACCESS_KEY, S3RVER_SECRET_KEY
//                   an extra key pair; the built-in S3RVER/S3RVER stays valid
//
// Prints "s3rver ready http://127.0.0.1:PORT" once listening. s3rver 5 declares
// node >= 24; started this way it also runs on node 20.
'use strict'

const { createRequire } = require('node:module')
const path = require('node:path')

const env = (name) => {
  const v = process.env[name]
  if (!v) {
    console.error(`s3rver-start: ${name} is not set`)
    process.exit(2)
  }
  return v
}

const modules = env('S3RVER_MODULES')
const req = createRequire(path.join(path.resolve(modules), 'package.json'))
const S3rver = req('@20minutes/s3rver')
const AWSAccount = req('@20minutes/s3rver/lib/models/account')
// s3rver's logger always colours its output; the log is a file, keep it plain.
// (winston colours through logform's own copy of @colors/colors.)
try {
  createRequire(req.resolve('logform/package.json'))('@colors/colors/safe').disable()
} catch {}

if (process.env.S3RVER_ACCESS_KEY) {
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(process.env.S3RVER_ACCESS_KEY, env('S3RVER_SECRET_KEY'))
}

const port = Number(env('S3RVER_PORT'))
const server = new S3rver({
  port,
  address: '127.0.0.1',
  directory: env('S3RVER_DIR'),
  configureBuckets: [{ name: env('S3RVER_BUCKET') }],
  // Bucket names come from the path only: the tests use http://127.0.0.1:PORT/bucket/key.
  vhostBuckets: false,
})

server.run().then(
  () => console.log(`s3rver ready http://127.0.0.1:${port}`),
  (err) => {
    console.error('s3rver-start:', err)
    process.exit(1)
  }
)
