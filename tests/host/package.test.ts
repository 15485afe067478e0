/**
 * The package as a lab installs it: `npm run build` and `npm pack` (as prepare would), `npm install <tarball>` into a
 * separate temporary package, then the README's library example and the CLI run there with plain
 * `node` (no tsx, no sources on the path): compiled JavaScript, the exports map and the files list.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'tripod-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```js block after '## As a library' in README.md. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('## As a library');
  expect(at).toBeGreaterThan(-1);
  const m = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!m) throw new Error('README.md: no ```js block under "## As a library"');
  return m[1]!;
}

/** The environment of a user's shell: the CLI runs its compiled code. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.TRIPOD_FROM_SOURCE;
  return env;
}

describe('the packed package', () => {
  it('installs from its tarball; the README example records 10 s and prints sway metrics with plain node; the CLI runs compiled', () => {
    const example = readmeExample();
    expect(example.trim().split('\n').length).toBeLessThanOrEqual(15);
    // The build npm pack would run through prepare, run first so its output stays out of pack's JSON.
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    for (const f of ['dist/host/index.js', 'dist/host/index.d.ts', 'dist/protocol/index.js', 'dist/host/emulator.d.ts', 'dist/host/cli/main.js', 'host/cli/bin.mjs', 'firmware/dist/tripod.js', 'firmware/dist/tripod.min.js', 'host/live/page/main.ts']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('tests/'))).toBe(false);

    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'lab-script', version: '1.0.0', type: 'module', private: true }));
    execFileSync('npm', ['install', join(dir, packed[0]!.filename), '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    writeFileSync(join(app, 'record.mjs'), example);

    const out = execFileSync(process.execPath, ['record.mjs'], { cwd: app, encoding: 'utf8', env: userEnv(), timeout: 120_000 });
    const m = /^(\d+) samples \((\d+) lost\) in trial\.tripod\npath (\d+) mm, velocity ([\d.]+) mm\/s, 95% ellipse (\d+) mm2\n$/.exec(out);
    expect(m, out).not.toBeNull();
    const samples = Number(m![1]);
    expect(samples).toBeGreaterThan(700); // 10 s at ~78 Hz
    expect(Number(m![2])).toBe(0);
    expect(Number(m![4])).toBeGreaterThan(0);
    expect(existsSync(join(app, 'trial.tripod'))).toBe(true);

    const bin = join(app, 'node_modules', '.bin', 'tripod');
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(execFileSync(bin, ['--version'], { cwd: app, encoding: 'utf8', env: userEnv() })).toBe(`${version}\n`);
    const replay = JSON.parse(execFileSync(bin, ['replay', 'trial.tripod', '--speed', 'max', '--json'], { cwd: app, encoding: 'utf8', env: userEnv() }));
    expect(replay).toMatchObject({ samples, lost: 0, clean_end: true });

    const entries = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "const p = await import('tripod/protocol'); const e = await import('tripod/emulator'); console.log(typeof p.PROTOCOL_MAJOR, typeof e.createBoard, typeof e.FakeRadio)"],
      { cwd: app, encoding: 'utf8', env: userEnv() },
    );
    expect(entries).toBe('number function function\n');
  }, 600_000);
});
