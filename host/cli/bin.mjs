#!/usr/bin/env node
// Entry point of the `tripod` CLI: runs the TypeScript sources directly through tsx, so a fresh
// `npm ci` needs no build step.
//
// Once main() resolves the command is over (servers such as `live` and `emulate` resolve only after
// they shut down), so the process exits with the command's code even when a library keeps a handle
// open (noble's HCI socket, a serialport binding, a stray timer). stdout and stderr are flushed first
// so piped output is never cut; a stream that cannot drain (reader gone) is given up after 2 s.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
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
