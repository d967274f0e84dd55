#!/usr/bin/env node
// `s3gcs` command: runs the TypeScript CLI through tsx's require hook (no build step to forget).
'use strict';
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(`s3gcs needs Node 22 or newer (found ${process.version}). Run it through npm (npm run s3gcs -- …) or npx s3gcs,`);
  console.error('which use the Node 22 that `npm ci` installs into node_modules/.bin.');
  process.exit(2);
}
require('tsx/cjs');
require('../workflows/cli/main.ts').main(process.argv).then((code) => { process.exitCode = code; });
