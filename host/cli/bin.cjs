#!/usr/bin/env node
// The `tripod` command (package.json "bin"). CommonJS on purpose: `tripod --version` answers from
// package.json before Node starts its ES module loader, which costs a bare Node 20 process about 60 ms
// of CPU (measured by host/bench/lab.ts: cli.startup_ms against cli.node_baseline_ms). Every other
// command goes on in bin.mjs (the compiled CLI, or the sources with TRIPOD_FROM_SOURCE=1), with
// Node's compile cache switched on where the running Node has it (22.1 and later).
'use strict';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  const { join } = require('node:path');
  // Exit once written, as bin.mjs does: a handle some preloaded module keeps open must not hang it.
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version}\n`, () => process.exit(0));
} else {
  const mod = require('node:module');
  if (typeof mod.enableCompileCache === 'function') mod.enableCompileCache();
  import('./bin.mjs').catch((e) => {
    process.stderr.write(`tripod: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
