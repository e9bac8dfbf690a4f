#!/usr/bin/env node
// The switchyard CLI runs from TypeScript sources through tsx, so there is no build step to forget.
require('tsx/cjs');
require('../clients/cli/main.ts');
