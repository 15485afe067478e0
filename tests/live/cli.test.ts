/**
 * `tripod live` as a user runs it: serves the page and its assets from the package, prints the URL
 * and a terminal status line, refuses cross-site WebSockets, stops cleanly on Ctrl-C; `--no-web`
 * keeps to the terminal; bad flags are usage errors (exit 2) with one line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli } from '../host/helpers/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function runLive(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, 'host/cli/bin.mjs'), 'live', ...(args.some((a) => a.startsWith('--store') || a === '--no-store') ? [] : ['--no-store']), ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function until(pred: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const run = runCli;

describe('tripod live', () => {
  it('serves the page from the package on loopback, prints the URL and a status line, stops on SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-live-'));
    const file = join(dir, 'session.tripod');
    const p = runLive(['--no-open', '--port', '0', '--record', file]);
    try {
      await until(() => /tripod live: http:\/\/127\.0\.0\.1:\d+\//.test(p.out()), 'the URL line');
      const url = /tripod live: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(p.out())![1]!;
      expect(p.out()).toContain('(simulated board; Ctrl-C stops)');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Tripod live</title>');
      const uplot = await fetch(`${url}vendor/uPlot.iife.min.js`);
      expect(Buffer.from(await uplot.arrayBuffer()).equals(readFileSync(join(ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js')))).toBe(true);
      expect((await fetch(`${url}app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await fetch(`${url}nope`)).status).toBe(404);
      // a page from another origin cannot open the socket
      const refused = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}ws`, { headers: { origin: 'http://evil.example' } });
        ws.on('open', () => resolve('open'));
        ws.on('error', (e) => resolve(e.message));
      });
      expect(refused).toMatch(/403/);
      // the page's own origin gets the hello first, and the status names the recording
      const seen = await new Promise<Array<{ type: string; recording?: string | null }>>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}ws`, { headers: { origin: url.slice(0, -1) } });
        const got: Array<{ type: string; recording?: string | null }> = [];
        ws.on('message', (d) => {
          got.push(JSON.parse(d.toString()) as { type: string });
          if (got.length === 2) {
            resolve(got.slice(0, 2));
            ws.close();
          }
        });
        ws.on('error', reject);
      });
      expect(seen.map((m) => m.type)).toEqual(['hello', 'status']);
      expect(seen[1]!.recording).toBe(file);
      // The simulated board is an MDBT42Q: no battery percentage, its NRF.getBattery() voltage instead.
      await until(() => /connected \| \d+\.\d Hz \| lost \d+ \| battery 3\.30 V \| total +\d+\.\d N \| CoP/.test(p.out()), 'a status line');
      p.child.kill('SIGINT');
      expect(await p.exit).toBe(0);
      const summary = /tripod live: (\d+) samples, (\d+) lost, 0 trial\(s\)/.exec(p.out());
      expect(summary).not.toBeNull();
      // the recording holds what the host received while the page watched
      const replay = await run(['replay', file, '--speed', 'max', '--json']);
      expect(replay.code).toBe(0);
      const r = JSON.parse(replay.out.trim().split('\n').at(-1)!) as { samples: number; lost: number };
      expect(r.samples).toBe(Number(summary![1]));
      expect(r.lost).toBe(Number(summary![2]));
    } finally {
      p.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--host other than 127.0.0.1 serves there, behind the per-run token printed in the URL', async () => {
    // 127.0.0.2 is still this machine (the loopback range) but not the default address
    const p = runLive(['--no-open', '--port', '0', '--host', '127.0.0.2']);
    try {
      await until(() => /tripod live: http:\/\/127\.0\.0\.2:\d+\/\?token=/.test(p.out()), 'the URL line');
      const url = /tripod live: (http:\/\/127\.0\.0\.2:\d+\/\?token=[A-Za-z0-9_-]{22}) /.exec(p.out())![1]!;
      await until(() => p.err().includes('note:'), 'the note');
      expect(p.err()).toMatch(/note: serving on 127\.0\.0\.2: the page, results and WebSocket need the token in the URL above/);
      const bare = url.replace(/\?.*$/, '');
      expect((await fetch(bare)).status).toBe(401);
      expect((await fetch(`${bare}results.csv`)).status).toBe(401);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${bare}results.csv`, { headers: { cookie } })).status).toBe(200);
      p.child.kill('SIGINT');
      expect(await p.exit).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('--token sets the token; a short one is refused with one line', async () => {
    const bad = await run(['live', '--no-open', '--host', '0.0.0.0', '--token', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toEqual(['tripod live: --token must be at least 16 characters (a guessable token protects nothing); omit it for a random one']);
    const p = runLive(['--no-open', '--port', '0', '--host', '127.0.0.2', '--token', 'clinic-room-2-tablet']);
    try {
      await until(() => /tripod live: http:\/\/127\.0\.0\.2:\d+\/\?token=clinic-room-2-tablet /.test(p.out()), 'the URL line');
      const bare = /(http:\/\/127\.0\.0\.2:\d+\/)/.exec(p.out())![1]!;
      expect((await fetch(`${bare}?token=clinic-room-2-tablex`)).status).toBe(401);
      expect((await fetch(`${bare}?token=clinic-room-2-tablet`)).status).toBe(200);
      p.child.kill('SIGINT');
      expect(await p.exit).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('--no-web keeps to the terminal', async () => {
    const p = runLive(['--no-web', '--foot', 'right']);
    try {
      await until(() => p.out().includes('tripod live: simulated board (terminal only; Ctrl-C stops)'), 'the start line');
      await until(() => /heel +\d+% 1MT +\d+% 5MT +\d+%/.test(p.out()), 'tripod shares in the status line');
      expect(p.out()).not.toContain('http://');
      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('rejects bad flags with one line and exit 2', async () => {
    expect(await run(['live', '--foot', 'middle'])).toMatchObject({ code: 2, err: "tripod live: --foot must be left or right, got 'middle'\n" });
    expect(await run(['live', '--port', '70000'])).toMatchObject({ code: 2, err: "tripod live: --port must be an integer 0..65535, got '70000'\n" });
    expect(await run(['live', '--duration', '500'])).toMatchObject({ code: 2, err: 'tripod live: --duration must be 1..120 s, got 500\n' });
    expect(await run(['live', '--sim', '--serial', '/dev/null'])).toMatchObject({ code: 2 });
    const help = await run(['live', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--no-web');
  });
});
