/**
 * The repository stands alone: every file a comment or a Markdown page points at exists, nothing
 * points into the `shared` folder (reference material outside the product), and every function name a
 * comment or page mentions exists in the code. Scanned: comments of the TypeScript, JavaScript
 * and C sources and every Markdown file (node_modules, firmware/dist and test fixtures left out).
 * references.ts says what counts as a reference.
 */
import { describe, expect, it } from 'vitest';
import { brokenReferences, repositoryFiles } from './references.ts';

describe('references in comments and Markdown', () => {
  const files = repositoryFiles();

  it('finds the sources and pages it is meant to scan', () => {
    expect(files.some((f) => f.rel === 'README.md')).toBe(true);
    expect(files.some((f) => f.rel === 'firmware/ESPRUINO.md')).toBe(true);
    expect(files.some((f) => f.rel === 'host/scoring/trial.ts')).toBe(true);
    expect(files.filter((f) => f.rel.endsWith('.c')).length).toBeGreaterThan(0);
  });

  it('every referenced repository file and mentioned function exists, and nothing points into shared/', () => {
    const broken = brokenReferences(files);
    expect(broken.map((b) => `${b.file}:${b.line}: ${b.what} ${b.ref}`)).toEqual([]);
  });

  it('catches a missing file, a shared/ path, a vanished function and a bare missing page', () => {
    const probe = [
      {
        rel: 'host/probe.ts',
        text: [
          '/** Layout as in CONTRACTS.md; see scoring/trial.ts and host/scoring/nothing-here.ts. */',
          '// From shared/docs/espruino.md; `hxReadReady()` reads; `summariseTrial()` is real.',
          'const url = "shared/strings/are/not/comments.md"; // https://example.org/a/b.ts is a URL',
        ].join('\n'),
      },
      { rel: 'host/probe.md', text: 'See `firmware/ESPRUINO.md`, `missingHelper()` and [x](./nowhere.md).\n' },
    ];
    const broken = brokenReferences(probe, files).map((b) => `${b.file}:${b.line}: ${b.what} ${b.ref}`);
    expect(broken).toEqual([
      'host/probe.ts:1: missing file CONTRACTS.md',
      'host/probe.ts:1: missing file host/scoring/nothing-here.ts',
      'host/probe.ts:2: outside the repository shared/docs/espruino.md',
      'host/probe.ts:2: missing function hxReadReady',
      'host/probe.md:1: missing function missingHelper',
      'host/probe.md:1: missing file ./nowhere.md',
    ]);
  });
});
