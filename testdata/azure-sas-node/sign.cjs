// Signs the cases of cases.json as service SAS URLs with Microsoft's Azure
// Storage Blob client for JavaScript (@azure/storage-blob, pinned in
// package.json) and prints them, with the string to sign the client built,
// as the vector file vectors.json.
//
//   AZURE_SAS_NODE_MODULES=/path/to/node_modules node sign.cjs cases.json > vectors.json
//
// Everything is the client's own code: generateBlobSASQueryParameters with a
// StorageSharedKeyCredential (string to sign, HMAC, query), and the blob URL
// from ContainerClient.getBlobClient (the name's encoding). The script only
// records the string to sign it passes to computeHMACSHA256.
'use strict';
const fs = require('fs');
const path = require('path');

const modules = process.env.AZURE_SAS_NODE_MODULES;
if (!modules) {
  console.error('set AZURE_SAS_NODE_MODULES to the node_modules folder holding @azure/storage-blob');
  process.exit(2);
}
const pkg = require(path.join(modules, '@azure', 'storage-blob', 'package.json'));
const blob = require(path.join(modules, '@azure', 'storage-blob'));

const out = [];
for (const c of JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))) {
  const cred = new blob.StorageSharedKeyCredential(c.account, c.key);
  let sts = null;
  const compute = cred.computeHMACSHA256.bind(cred);
  cred.computeHMACSHA256 = s => {
    sts = s;
    return compute(s);
  };
  const values = {
    version: c.version,
    containerName: c.container,
    permissions: c.blob ? blob.BlobSASPermissions.parse(c.permissions) : blob.ContainerSASPermissions.parse(c.permissions),
    expiresOn: new Date(c.expiry),
    protocol: c.endpoint.startsWith('http:') ? blob.SASProtocol.HttpsAndHttp : blob.SASProtocol.Https,
  };
  if (c.blob) values.blobName = c.blob;
  if (c.start) values.startsOn = new Date(c.start);
  for (const k of ['cacheControl', 'contentDisposition', 'contentEncoding', 'contentLanguage', 'contentType']) {
    if (c[k]) values[k] = c[k];
  }
  const sas = blob.generateBlobSASQueryParameters(values, cred).toString();
  const container = new blob.ContainerClient(c.endpoint + '/' + c.container, cred);
  const base = c.blob ? container.getBlobClient(c.blob).url : container.url;
  out.push({...c, stringToSign: sts, sas, url: base + '?' + sas});
}
process.stdout.write(JSON.stringify({client: pkg.name + ' ' + pkg.version, node: process.version, cases: out}, null, 1) + '\n');
