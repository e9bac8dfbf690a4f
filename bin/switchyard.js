#!/usr/bin/env node
// The switchyard CLI. In a checkout it runs the TypeScript sources through tsx (no build step to forget, never a
// stale build); in the Docker image, which holds only the compiled build, it runs that.
const path = require('node:path');
const fs = require('node:fs');
const sources = path.join(__dirname, '..', 'clients', 'cli', 'main.ts');
if (fs.existsSync(sources)) {
  require('tsx/cjs');
  require(sources);
} else {
  require(path.join(__dirname, '..', 'dist', 'clients', 'cli', 'main.js'));
}
