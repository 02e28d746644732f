#!/usr/bin/env node
// Entry point of the project's own tools (npm start, npm test, infra up/down, serve):
// registers swc so the TypeScript sources run as they are, then hands over to the CLI.
const path = require('node:path');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `Node.js ${process.versions.node} is older than this project needs (>= 22.12).\n` +
      'Run `. tools/use-node.sh` in this shell first: it fetches Node 22 LTS where needed.\n',
  );
  process.exit(1);
}

process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
require('./src/cli.ts');
