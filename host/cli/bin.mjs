#!/usr/bin/env node
// Entry point of the `tripod` CLI: runs the compiled JavaScript (dist/host/cli/main.js, made by
// `npm run build`, which `npm ci` runs through the prepare script). TRIPOD_FROM_SOURCE=1 runs the
// TypeScript sources through tsx instead (a development checkout; the test suite sets it so a test
// never runs a stale build).
//
// Once main() resolves the command is over (servers such as `live` and `emulate` resolve only after
// they shut down), so the process exits with the command's code even when a library keeps a handle
// open (noble's HCI socket, a serialport binding, a stray timer). stdout and stderr are flushed first
// so piped output is never cut; a stream that cannot drain (reader gone) is given up after 2 s.
import { existsSync } from 'node:fs';

const compiled = new URL('../../dist/host/cli/main.js', import.meta.url);
let main;
if (process.env.TRIPOD_FROM_SOURCE === '1') {
  (await import('tsx/esm/api')).register();
  ({ main } = await import('./main.ts'));
} else if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  process.stderr.write("tripod: the compiled CLI is missing (dist/host/cli/main.js): run 'npm run build' in the package folder, or set TRIPOD_FROM_SOURCE=1 to run the sources with tsx\n");
  process.exit(1);
}
const code = await main(process.argv.slice(2));
process.exitCode = code;

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function drained(stream) {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableLength === 0) return resolve();
    stream.write('', () => resolve());
  });
}
let giveUp;
await Promise.race([
  Promise.all([drained(process.stdout), drained(process.stderr)]),
  new Promise((resolve) => {
    giveUp = setTimeout(resolve, 2000);
  }),
]);
clearTimeout(giveUp);
process.exit(code);
