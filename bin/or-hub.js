#!/usr/bin/env node
'use strict';
// Launcher for the built CLI (npm run build writes dist/hub/cli.cjs).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'hub', 'cli.cjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`or-hub: not built yet: run "npm run build" in ${path.dirname(__dirname)}\n`);
  process.exit(1);
}
require(bundle)
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`or-hub: ${(e && e.stack) || e}\n`);
      process.exit(1);
    },
  );
