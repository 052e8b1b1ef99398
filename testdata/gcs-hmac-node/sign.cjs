// Signs the cases of cases.json as GOOG4-HMAC-SHA256 URLs with Google's
// Cloud Storage Node client (@google-cloud/storage, pinned in package.json)
// and prints them, with the canonical request and string to sign the client
// built, as the vector file vectors.json.
//
//   GCS_NODE_MODULES=/path/to/node_modules node sign.cjs cases.json > vectors.json
//
// The client signs V4 URLs through its auth client's sign(blob) and only
// knows GOOG4-RSA-SHA256. Everything but the MAC is the client's own code:
// the canonical request (path and query encoding, query order, header
// canonicalisation), the credential scope, the string to sign and the URL.
// This script changes three things, no more:
//   - X-Goog-Algorithm is set to GOOG4-HMAC-SHA256 through the client's
//     queryParams option, which overrides the signer's value in place, so
//     the canonical request and the URL carry the HMAC algorithm;
//   - the auth client is replaced by one whose getCredentials() returns the
//     HMAC access ID as client_email and whose sign(blob) swaps the first
//     line of the string to sign (GOOG4-RSA-SHA256) for GOOG4-HMAC-SHA256
//     and returns the base64 HMAC-SHA256 of it under the GOOG4 key chain
//     (Node's crypto; the client turns base64 into hex);
//   - the clock is pinned to each case's timestamp (the client refuses
//     expiry dates in the real past).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const modules = process.env.GCS_NODE_MODULES;
if (!modules) {
  console.error('set GCS_NODE_MODULES to the node_modules folder holding @google-cloud/storage');
  process.exit(2);
}
const pkg = require(path.join(modules, '@google-cloud', 'storage', 'package.json'));
const {Storage} = require(path.join(modules, '@google-cloud', 'storage'));
const signer = require(path.join(modules, '@google-cloud', 'storage', 'build', 'cjs', 'src', 'signer.js'));

// Record the canonical request the client builds (it is hashed, never
// returned).
let lastCanonical = null;
const getCanonicalRequest = signer.URLSigner.prototype.getCanonicalRequest;
signer.URLSigner.prototype.getCanonicalRequest = function (...args) {
  lastCanonical = getCanonicalRequest.apply(this, args);
  return lastCanonical;
};

const RealDate = Date;
function pinClock(ms) {
  global.Date = class extends RealDate {
    constructor(...a) {
      if (a.length === 0) super(ms);
      else super(...a);
    }
    static now() {
      return ms;
    }
  };
}

function hmac(key, msg) {
  return crypto.createHmac('sha256', key).update(msg, 'utf8').digest();
}

const actions = {GET: 'read', PUT: 'write', DELETE: 'delete', POST: 'resumable'};

async function signCase(c) {
  const at = new RealDate(c.timestamp).valueOf();
  pinClock(at);
  let lastSTS = null;
  const storage = new Storage({projectId: 'batchsign-vectors', ...(c.universeDomain ? {universeDomain: c.universeDomain} : {})});
  storage.authClient = {
    getCredentials: async () => ({client_email: c.accessId}),
    sign: async blob => {
      const lines = blob.split('\n');
      if (lines[0] !== 'GOOG4-RSA-SHA256') throw new Error('unexpected string to sign: ' + blob);
      lines[0] = 'GOOG4-HMAC-SHA256';
      lastSTS = lines.join('\n');
      const [day, region, service, term] = lines[2].split('/');
      let k = hmac('GOOG4' + c.secret, day);
      k = hmac(k, region);
      k = hmac(k, service);
      k = hmac(k, term);
      return hmac(k, lastSTS).toString('base64');
    },
  };
  const headers = {...(c.headers || {})};
  if (c.method === 'POST') delete headers['x-goog-resumable']; // the client adds it for 'resumable'
  const cfg = {
    version: 'v4',
    action: c.object === undefined ? 'list' : actions[c.method],
    accessibleAt: new RealDate(at),
    expires: new RealDate(at + c.expires * 1000),
    extensionHeaders: headers,
    queryParams: {'X-Goog-Algorithm': 'GOOG4-HMAC-SHA256', ...Object.fromEntries(c.query || [])},
  };
  if (c.style === 'virtual-hosted') cfg.virtualHostedStyle = true;
  if (c.style === 'bucket-bound') cfg.cname = c.scheme + '://' + c.host;
  else if (c.host) cfg.host = (c.scheme || 'https') + '://' + c.host;
  const bucket = storage.bucket(c.bucket);
  const target = c.object === undefined ? bucket : bucket.file(c.object);
  const [url] = await target.getSignedUrl(cfg);
  return {...c, canonicalRequest: lastCanonical, stringToSign: lastSTS, url};
}

(async () => {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const out = [];
  for (const c of cases) out.push(await signCase(c));
  global.Date = RealDate;
  process.stdout.write(JSON.stringify({client: pkg.name + ' ' + pkg.version, node: process.version, cases: out}, null, 1) + '\n');
})().catch(e => {
  console.error(e);
  process.exit(1);
});
