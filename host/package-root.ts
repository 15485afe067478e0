/**
 * Where this package's files are, whether it runs from the TypeScript sources (a module in host/) or
 * from the compiled output (the same module under dist/host/): the nearest folder above this module holding package.json.
 * dist/ has none of its own, so both layouts resolve to the same root, and files that are not
 * compiled (firmware/dist/*.js, host/live/page/*) are found the same way from either.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`tripod: no package.json above ${start}; the package is incomplete (reinstall it)`);
  }
}

/** The package's root folder (the one holding package.json). */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A file of the package by its path from the root, e.g. packagePath('firmware', 'dist', 'tripod.js'). */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}

/** Name and version from package.json (read once, at first use). */
export const SOFTWARE: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();
