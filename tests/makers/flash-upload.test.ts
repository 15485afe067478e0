/**
 * The real `espruino` package (0.1.67, in its child process) uploading into the emulator's REPL
 * server, and the three failures `tripod flash` must name: no board, not Espruino, a cut upload.
 * Boards here are stand-ins that record the booted source; tests/makers/flash-e2e.test.ts boots the
 * real built firmware in the emulator.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startReplServer, type ReplServer } from '../../firmware/emulator/repl-server.ts';
import { FlashError, parsePort, uploadToBoard, type UploadProgress } from '../../host/flash/upload.ts';

interface FakeBoard {
  source: string;
  stop(): void;
}

const CODE = `var count = 0;
function tick() {
  count++;
}
setInterval(tick, 100);
${'// padding so the upload spans several 1 KB Storage chunks\n'.repeat(80)}var done = "\u00e9t\u00e9 \u2248 1";
`;

/** What the package stores: characters below 256 as one byte each, the others as UTF-8 bytes. */
function espruinoBytes(code: string): string {
  return [...code].map((ch) => (ch.charCodeAt(0) < 256 ? ch : Buffer.from(ch, 'utf8').toString('latin1'))).join('');
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function repl(): Promise<ReplServer<FakeBoard>> {
  const s = await startReplServer<FakeBoard>({ startBoard: (source) => ({ source, stop() {} }) });
  cleanups.push(() => s.close());
  return s;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

describe('parsePort', () => {
  it('tells TCP, serial and BLE apart', () => {
    expect(parsePort('tcp://127.0.0.1:4000')).toMatchObject({ kind: 'tcp', host: '127.0.0.1', tcpPort: 4000 });
    expect(parsePort('tcp://espruino.local')).toMatchObject({ kind: 'tcp', tcpPort: 23 });
    expect(parsePort('/dev/ttyACM0')).toMatchObject({ kind: 'serial' });
    expect(parsePort('c0:ff:ee:12:34:56')).toMatchObject({ kind: 'ble' });
    expect(() => parsePort('tcp://h:99999')).toThrow(/1-65535/);
  });
});

describe('upload with the espruino package', () => {
  it('saves the code to .bootcde in 1 KB chunks, boots it, and reports progress to 100 %', async () => {
    const s = await repl();
    const progress: UploadProgress[] = [];
    const booted = s.nextBoard({ timeoutMs: 60_000 });
    const r = await uploadToBoard({ port: s.url, code: CODE, pretokenise: false, onProgress: (p) => progress.push(p) });
    const board = await booted;
    // Byte-exact: the package keeps characters below 256 as single bytes (é is 0xE9) and encodes
    // the rest as UTF-8; the worker sends them as bytes on TCP too.
    expect(board.source).toBe(CODE);
    expect(s.storage()['.bootcde']).toBe(espruinoBytes(CODE));
    expect(r.env).toMatchObject({ VERSION: '2v29', BOARD: 'MDBT42Q' });
    const stages = [...new Set(progress.map((p) => p.stage))];
    expect(stages).toEqual(['checking', 'connecting', 'identified', 'preparing', 'uploading', 'finishing', 'done']);
    const up = progress.filter((p) => p.stage === 'uploading' && p.total > 0);
    expect(up.length).toBeGreaterThan(3);
    expect(up.at(-1)!.sent).toBe(up.at(-1)!.total);
    expect(r.bytes).toBeGreaterThan(CODE.length);
  });

  it('pretokenised by default: smaller on the wire, and the emulator runs the same program', async () => {
    const s = await repl();
    const code = `function g(a) {\n  // a comment the tokeniser drops\n  if (a >= -5) return "x\\"y \u00e9 \u2248";\n  else return [-300, 0, 7, a * 2, 0x7fff + 1];\n}\nvar k = g(3) + typeof g;\n${'var pad = 12345;\n'.repeat(120)}`;
    const booted = s.nextBoard({ timeoutMs: 60_000 });
    await uploadToBoard({ port: s.url, code });
    const source = (await booted).source;
    const stored = s.storage()['.bootcde']!;
    expect(stored.length).toBeLessThan(code.length * 0.8);
    expect(source).not.toContain('a comment');
    const run = (src: string): unknown => new Function(`${src}; return [g(-9), g(0), k, pad];`)();
    expect(run(source)).toEqual(run(code));
  });

  it('pretokenised code whose raw strings are 39 and 40 bytes long (length bytes \' and () uploads and runs', async () => {
    const s = await repl();
    const q39 = 'q'.repeat(39);
    const p40 = 'p'.repeat(40);
    const code = `var a = "${q39}";\nvar b = "${p40}";\nfunction n() { return [a.length, b.length, 40, 39]; }\n${'var pad = 12345;\n'.repeat(60)}`;
    const booted = s.nextBoard({ timeoutMs: 60_000 });
    await uploadToBoard({ port: s.url, code, pretokenise: true, stallTimeoutMs: 20_000 });
    const source = (await booted).source;
    expect(s.storage()['.bootcde']!).toContain(`\xd1\x27${q39}`);
    expect(s.storage()['.bootcde']!).toContain(`\xd1\x28${p40}`);
    const run = (src: string): unknown => new Function(`${src}; return [a, b, n()];`)();
    expect(run(source)).toEqual(run(code));
  });

  it('short code (under one 512-byte write block, where 0.1.67 never calls back) still completes', async () => {
    const s = await repl();
    const booted = s.nextBoard({ timeoutMs: 30_000 });
    await uploadToBoard({ port: s.url, code: 'var tiny = 1;\n', pretokenise: false });
    expect((await booted).source).toBe('var tiny = 1;\n');
  });

  it('no board at the port: a refused TCP connection is named at once', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await uploadToBoard({ port: `tcp://127.0.0.1:${port}`, code: CODE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashError);
    expect((err as FlashError).code).toBe('no-board');
    expect((err as FlashError).message).toMatch(/no board at tcp:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('no board at a serial path that does not exist', async () => {
    const err = await uploadToBoard({ port: '/dev/tripod-no-such-port', code: CODE }).catch((e: unknown) => e);
    expect((err as FlashError).code).toBe('no-board');
  });

  it('a BLE address on a machine without a usable Bluetooth adapter: one clear line, no crash', async () => {
    // Test machines have no HCI socket (noble fails with EAFNOSUPPORT) and no D-Bus; a machine with
    // a radio scans and finds no such board. Either way: one line, exit as 'no-board'. Which of the
    // package's log lines names the cause first (the errno, or its 'module couldn't be loaded')
    // depends on the environment: both are the no-adapter message.
    const err = await uploadToBoard({ port: 'c0:ff:ee:00:00:01', code: CODE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashError);
    expect((err as FlashError).code).toBe('no-board');
    expect((err as FlashError).message).toMatch(
      /^no board at c0:ff:ee:00:00:01: (no usable Bluetooth adapter on this machine \((E[A-Z]+|noble could not start)\)|no Espruino board advertising as c0:ff:ee:00:00:01 was found)/,
    );
    expect((err as FlashError).message).not.toContain('\n');
  });

  it('a device that is not Espruino gets nothing written', async () => {
    let received = '';
    const sockets: Socket[] = [];
    const modem = createServer((sock) => {
      sockets.push(sock);
      sock.on('data', (d: Buffer) => {
        received += d.toString('latin1');
        sock.write('OK\r\n');
      });
      sock.on('end', () => sock.end());
    });
    const port = await listen(modem);
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    const err = await uploadToBoard({ port: `tcp://127.0.0.1:${port}`, code: CODE }).catch((e: unknown) => e);
    expect((err as FlashError).code).toBe('not-espruino');
    expect((err as FlashError).message).toMatch(/not an Espruino board/);
    expect(received).toContain('process.env');
    expect(received).not.toContain('Storage');
    expect(received).not.toContain('reset()');
  });

  it('an upload cut midway is reported with the bytes sent; the board stays at its REPL and a retry works', async () => {
    const s = await repl();
    // A link that dies after 1500 bytes from the host: through it, the env query passes and the upload does not.
    const pairs: Socket[] = [];
    const cutter = createServer({ allowHalfOpen: true }, (client) => {
      const up = connect({ host: '127.0.0.1', port: s.port, allowHalfOpen: true });
      pairs.push(client, up);
      let forwarded = 0;
      client.on('data', (d: Buffer) => {
        const room = 1500 - forwarded;
        if (room > 0) up.write(d.subarray(0, room));
        forwarded += d.length;
        if (forwarded >= 1500) {
          client.destroy();
          up.destroy();
        }
      });
      up.on('data', (d: Buffer) => client.write(d));
      client.on('close', () => up.destroy());
      client.on('error', () => {});
      up.on('error', () => {});
    });
    const port = await listen(cutter);
    cleanups.push(() => pairs.forEach((p) => p.destroy()));
    const err = await uploadToBoard({ port: `tcp://127.0.0.1:${port}`, code: CODE, pretokenise: false, stallTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashError);
    expect((err as FlashError).code).toBe('cut');
    expect((err as FlashError).message).toMatch(/upload cut midway.*run tripod flash again/);
    expect((err as FlashError).sent).toBeLessThan((err as FlashError).total);
    // Known state: reset() ran, so nothing runs; .bootcde is incomplete (it never boots).
    expect(s.board()).toBeNull();
    const file = s.storageFile('.bootcde');
    expect(file === undefined || file.written < file.size).toBe(true);
    // Retry straight to the board.
    const booted = s.nextBoard({ timeoutMs: 60_000 });
    await uploadToBoard({ port: s.url, code: CODE, pretokenise: false });
    expect((await booted).source).toBe(CODE);
  });
});
