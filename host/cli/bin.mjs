#!/usr/bin/env node
// Entry point of the `tripod` CLI: runs the TypeScript sources directly through tsx, so a fresh
// `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
