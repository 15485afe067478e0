import { existsSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../host/cli/main.ts';

const PROGRAM = fileURLToPath(new URL('./programs/pulse-read.js', import.meta.url));

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

async function waitFor(get: () => string, re: RegExp, ms = 10_000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(get());
    if (m) return m;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} in: ${get()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('tripod emulate', () => {
  it('runs a program in real time, prints the advertising name and serves Serial1 over TCP', async () => {
    const out = capture();
    const err = capture();
    const run = main(['emulate', '--firmware', PROGRAM, '--duration', '2', '--tcp', '0', '--kg', '70'], out.stream, err.stream);
    const m = await waitFor(out.text, /serial \(Serial1\) on tcp:\/\/127\.0\.0\.1:(\d+)/);
    expect(out.text()).toMatch(/advertising as MDBT42Q [0-9a-f]{4}/);
    const sock = connect(Number(m[1]), '127.0.0.1');
    let reply = '';
    sock.on('data', (d) => {
      reply += d.toString('latin1');
    });
    await new Promise((r) => sock.once('connect', r));
    sock.write('1+2\n');
    await waitFor(() => reply, /=3\r\n>/);
    sock.destroy();
    expect(await run).toBe(0);
    expect(out.text()).toMatch(/stopped after \d+\.\d s of board time/);
    expect(err.text()).toBe('');
  });

  it('exposes Serial1 on a pseudo-terminal with --pty', async () => {
    if (!existsSync('/usr/bin/socat')) throw new Error('socat is missing: apt-get install socat (.ci/run installs it)');
    const out = capture();
    const link = `/tmp/tripod-emu-test-${process.pid}`;
    const run = main(['emulate', '--firmware', PROGRAM, '--duration', '1', '--pty', '--pty-link', link], out.stream, capture().stream);
    const m = await waitFor(out.text, /serial \(Serial1\) on (\S+) -> (\/dev\/\S+)/);
    expect(m[1]).toBe(link);
    expect(readlinkSync(link)).toBe(m[2]);
    expect(await run).toBe(0);
  });

  it('refuses bad flags with a usage error', async () => {
    const err = capture();
    expect(await main(['emulate', '--loads', '1,2,3'], capture().stream, err.stream)).toBe(2);
    expect(err.text()).toMatch(/--loads 1,2,3: expected four numbers in newtons/);
    expect(await main(['emulate', '--kg', '70', '--person'], capture().stream, err.stream)).toBe(2);
    expect(await main(['emulate', '--board', 'esp32'], capture().stream, err.stream)).toBe(2);
    expect(await main(['emulate', '--firmware', '/nonexistent.js'], capture().stream, err.stream)).toBe(1);
    expect(err.text()).toMatch(/nonexistent\.js not found/);
  });
});
