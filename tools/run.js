#!/usr/bin/env node
// Entry point of the project's own tools (npm start, npm test, infra up/down, serve):
// registers swc so the TypeScript sources run as they are, then hands over to the CLI.
const path = require('node:path');

process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
require('./src/cli.ts');
