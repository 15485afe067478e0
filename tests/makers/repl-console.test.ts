import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleInput, isComplete } from '../../firmware/emulator/console-input.ts';
import { startReplServer, type ReplServer } from '../../firmware/emulator/repl-server.ts';
import { StorageModel, bytesOfString, stringOfBytes } from '../../firmware/emulator/storage-model.ts';

describe('ConsoleInput (Espruino line discipline)', () => {
  it('executes a line on Enter and echoes it', () => {
    const c = new ConsoleInput();
    const r = c.push('1+2\n');
    expect(r.lines).toEqual([{ code: '1+2', echo: true }]);
    expect(r.echo).toBe('1+2');
  });

  it('DLE turns echo (and the =result) off for that line only', () => {
    const c = new ConsoleInput();
    const r = c.push('\x10print("<","<<",JSON.stringify(process.env),">>",">")\nx\n');
    expect(r.lines).toEqual([
      { code: 'print("<","<<",JSON.stringify(process.env),">>",">")', echo: false },
      { code: 'x', echo: true },
    ]);
    expect(r.echo).toBe('x');
  });

  it('ESC LF continues the line without executing; ESC [ n d markers vanish', () => {
    const c = new ConsoleInput();
    const r = c.push('\x10\x1b[12dfunction f(a)\x1b\n{ return a; }\n');
    expect(r.lines).toEqual([{ code: 'function f(a)\n{ return a; }', echo: false }]);
  });

  it('waits for open brackets, strings and comments to close', () => {
    const c = new ConsoleInput();
    expect(c.push('if (a) {\n').lines).toEqual([]);
    expect(c.push('  b("}");\n').lines).toEqual([]);
    expect(c.push('}\n').lines).toEqual([{ code: 'if (a) {\n  b("}");\n}', echo: true }]);
    expect(isComplete('x = "a\\"(" /* ( */')).toBe(true);
    expect(isComplete('x = `open')).toBe(false);
    expect(isComplete('/* open')).toBe(false);
  });

  it('skips pretokenised raw strings and ints: their length and value bytes are data, not quotes, brackets or keys', () => {
    // x=["'...'" (raw string of 39 bytes), "(..." (raw string of 40 bytes), 123, 40, 10, 3]; as the
    // package's PRETOKENISE sends it: 0xD1 len payload, 0xD4 value. The length bytes 39 (') and 40 (()
    // and the int bytes 123 ({), 40 ((), 10 (LF), 3 (Ctrl-C) must not count as code.
    const s39 = "'".repeat(39);
    const s40 = '('.repeat(40);
    const line = `x=[\xd1\x27${s39},\xd1\x28${s40},\xd4\x7b,\xd4\x28,\xd4\x0a,\xd4\x03,\xd2\x28\x00${s40}];`;
    expect(isComplete(line)).toBe(true);
    expect(isComplete(line.slice(0, -2))).toBe(false);
    expect(isComplete('x=\xd1\x05ab')).toBe(false); // raw string payload still open
    const c = new ConsoleInput();
    const r = c.push(`\x10${line}\nnext\n`);
    expect(r.interrupted).toBe(false);
    expect(r.lines).toEqual([{ code: line, echo: false }, { code: 'next', echo: true }]);
    // The same bytes in any chunking.
    const input = `\x10${line}\n`;
    for (let cut = 1; cut < input.length; cut += 7) {
      const d = new ConsoleInput();
      expect([...d.push(input.slice(0, cut)).lines, ...d.push(input.slice(cut)).lines]).toEqual([{ code: line, echo: false }]);
    }
  });

  it('Ctrl-C clears the line; backspace edits; CR LF is one Enter', () => {
    const c = new ConsoleInput();
    const r1 = c.push('garbage(\x03');
    expect(r1.interrupted).toBe(true);
    expect(c.pending()).toBe('');
    expect(c.push('ab\x08c\r\n').lines).toEqual([{ code: 'ac', echo: true }]);
  });

  it('takes its input in any chunking', () => {
    const input = '\x10reset();\n\x10print()\n\x10require("Storage").write(".bootcde","a\\n(b",0,5);\n\x10load()\n';
    const whole = new ConsoleInput().push(input).lines;
    for (let cut = 1; cut < input.length; cut++) {
      const c = new ConsoleInput();
      const lines = [...c.push(input.slice(0, cut)).lines, ...c.push(input.slice(cut)).lines];
      expect(lines).toEqual(whole);
    }
  });
});

describe('Storage as Save-on-Send drives it (the one StorageModel)', () => {
  const b = bytesOfString;
  it('builds a file from a sized first write and offset writes, erased bytes read 0xFF', () => {
    const s = new StorageModel({});
    s.write('.bootcde', b('abc'), 0, 6);
    expect(stringOfBytes(s.read('.bootcde')!)).toBe('abc\xff\xff\xff');
    expect(s.completeSnapshot()).toEqual({});
    expect(s.file('.bootcde')).toMatchObject({ size: 6, written: 3 });
    s.write('.bootcde', b('def'), 3, undefined);
    expect(stringOfBytes(s.read('.bootcde')!)).toBe('abcdef');
    expect(s.completeSnapshot()).toEqual({ '.bootcde': 'abcdef' });
  });
  it('writing over flash only clears bits (new = old AND data)', () => {
    const s = new StorageModel({});
    s.write('f', Uint8Array.of(0x0f), 0, 2);
    s.write('f', Uint8Array.of(0x3c), 1, undefined);
    s.write('f', Uint8Array.of(0xf0), 1, undefined);
    expect(Array.from(s.read('f')!)).toEqual([0x0f, 0x30]);
  });
  it('refuses writes past the end, offsets into missing files, long names and files that do not fit', () => {
    const s = new StorageModel({});
    s.write('f', b('ab'), 0, 2);
    expect(() => s.write('f', b('c'), 2, undefined)).toThrow(/overruns 'f' \(2 bytes\)/);
    expect(() => s.write('g', b('c'), 5, undefined)).toThrow(/does not exist/);
    expect(() => s.write('x'.repeat(29), b('c'), undefined, undefined)).toThrow(/the limit is 28/);
    expect(() => s.write('big', b('c'), 0, 40 * 1024)).toThrow(/^Unable to find or create file$/);
  });
});

describe('REPL server over TCP', () => {
  let server: ReplServer<{ stop(): void; source: string }> | null = null;
  const sockets: Socket[] = [];
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.destroy());
    await server?.close();
    server = null;
  });

  async function talk(port: number, text: string): Promise<string> {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(s);
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.end(Buffer.from(text, 'latin1'));
    await new Promise<void>((r) => s.once('end', () => r()));
    return got;
  }

  it('answers the env query, prints prompts, boots .bootcde on load() and closes after a half-close', async () => {
    const booted: string[] = [];
    server = await startReplServer({
      startBoard: (source) => {
        booted.push(source);
        return { source, stop() {} };
      },
    });
    const reply = await talk(server.port, '\n\x10print("<","<<",JSON.stringify(process.env),">>",">")\n');
    expect(reply.startsWith('\r\n=undefined\r\n>')).toBe(true);
    const env = JSON.parse(reply.slice(reply.indexOf('< <<') + 4, reply.indexOf('>> >'))) as Record<string, unknown>;
    expect(env).toMatchObject({ VERSION: '2v29', BOARD: 'MDBT42Q', CONSOLE: 'Telnet' });

    const code = 'var \u00e9t\u00e9 = 1;\nsetInterval(function(){}, 10);\n';
    // As the package stores it: characters below 256 as one byte each.
    const bytes = code;
    const up = `\x10reset();\n\x10require("Storage").write(".bootcde",${JSON.stringify(bytes.slice(0, 10))},0,${bytes.length});\n\x10require("Storage").write(".bootcde",${JSON.stringify(bytes.slice(10))},10);\n\x10load()\n`;
    const boardP = server.nextBoard({ timeoutMs: 5000 });
    const out = await talk(server.port, up);
    expect(out).not.toContain('Uncaught');
    const board = await boardP;
    expect(board.source).toBe(code);
    expect(booted).toEqual([code]);
    expect(server.board()).toBe(board);
  });

  it('keeps a cut upload from running: the incomplete .bootcde is reported and nothing boots', async () => {
    let starts = 0;
    server = await startReplServer({
      startBoard: (source) => {
        starts++;
        return { source, stop() {} };
      },
    });
    const out = await talk(server.port, '\x10reset();\n\x10require("Storage").write(".bootcde","var a=1;",0,100);\n\x10load()\n');
    expect(out).toContain('Uncaught SyntaxError: .bootcde is incomplete (8 of 100 bytes written)');
    expect(starts).toBe(0);
    expect(server.board()).toBeNull();
    expect(server.storageFile('.bootcde')).toMatchObject({ size: 100, written: 8 });
  });

  it('reports errors the way Espruino does and refuses save() over .bootcde', async () => {
    server = await startReplServer({ startBoard: (source) => ({ source, stop() {} }) });
    const out = await talk(server.port, 'nope()\nE.setBootCode("1")\nsave()\n');
    expect(out).toContain('Uncaught ReferenceError: nope is not defined');
    expect(out).toContain('Uncaught Error: save() is refused while .bootcde exists');
  });
});

describe('stored code back to source', () => {
  it('decodes the package encoding: bytes below 256 as latin1, the rest from UTF-8', async () => {
    const { decodeEspruinoBytes } = await import('../../firmware/emulator/stored-code.ts');
    const src = 'var s = "\u00e9t\u00e9 \u2248 \u{1f600}"; // 50 \u00b5s';
    const stored = [...src].map((ch) => (ch.codePointAt(0)! < 256 ? ch : Buffer.from(ch, 'utf8').toString('latin1'))).join('');
    expect(decodeEspruinoBytes(stored)).toBe(src);
    expect(decodeEspruinoBytes('\xc3')).toBe('\xc3'); // a truncated sequence stays latin1
  });

  it('untokenises what the package pretokenises (words, operators, raw strings, signed raw ints)', async () => {
    const { untokenise, isPretokenised } = await import('../../firmware/emulator/stored-code.ts');
    const T = (w: string): string => String.fromCharCode(138 + TOKEN_INDEX[w]!);
    // function f(a){return a>=-5?"x\"y":[-300,0,7];}  as the package would tokenise it
    const tok = `${T('function')} f(a){${T('return')} a${T('>=')}\xd4\xfb?\xd1\x03x"y:[\xd5\xd4\xfe,\xd3,\xd4\x07];}`;
    expect(isPretokenised(tok)).toBe(true);
    expect(isPretokenised('var x = "\xd1\xff"; // \xd2')).toBe(false);
    const src = untokenise(tok);
    expect(src).toBe('function f(a){return a>=-5?"\\x78\\x22\\x79":[-300,0,7];}');
    // eslint-disable-next-line no-new-func
    expect(new Function(`${src}; return [f(-9), f(0)];`)()).toEqual([[-300, 0, 7], 'x"y']);
  });
});

const TOKEN_INDEX: Record<string, number> = { function: 32, return: 33, '>=': 7 };

describe('FrameSplitter (console text and protocol frames on one stream)', () => {
  it('separates 0x00-delimited frames from text in any chunking', async () => {
    const { FrameSplitter } = await import('../../firmware/emulator/repl-server.ts');
    const stream = Uint8Array.from([...Buffer.from('\x10print(1)\n'), 0, 5, 1, 2, 0, 0, 3, 9, 0, ...Buffer.from('>')]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const sp = new FrameSplitter();
      const a = sp.push(stream.subarray(0, cut));
      const b = sp.push(stream.subarray(cut));
      expect(a.text + b.text).toBe('\x10print(1)\n>');
      expect([...a.frames, ...b.frames].map((f) => [...f])).toEqual([
        [0, 5, 1, 2, 0],
        [0, 3, 9, 0],
      ]);
    }
  });
});
