/**
 * The host's side of authenticated writes (protocol/SPEC.md 5.5) against the firmware in the
 * emulator (real time, through the simulated BLE link): no key -> one line naming `tripod pair`
 * and nothing written; pairing refused outside the button's window, accepted inside it; writes
 * then authenticate by themselves; a wrong key is named. The key file (mode 0600) and `tripod pair`.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBoard } from '../../firmware/emulator/index.ts';
import { CommandClient, CommandError } from '../../host/transport/commands.ts';
import { fileKeys, readKeys, storeKey } from '../../host/transport/keys.ts';
import { SimTransport } from '../../host/transport/sim.ts';
import { firmwareSource } from '../firmware/harness.ts';
import { runCli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tripod-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = new Uint8Array(16).map((_, i) => 0x11 * (i + 1));

describe('host key handling', () => {
  it('without a key: one line naming tripod pair; pairing needs the button; then writes authenticate by themselves', async () => {
    const board = createBoard({ clock: 'realtime', source: firmwareSource(), seed: 3, address: 'c0:11:22:33:ab:cd' });
    const transport = new SimTransport({ board });
    await transport.open();
    try {
      const path = join(dir, 'keys.json');
      const client = new CommandClient(transport, 2000, fileKeys(path));
      const e = (await client.setName('Clinic-2').catch((x) => x)) as CommandError;
      expect(e).toBeInstanceOf(CommandError);
      expect(e.message).toBe("cannot send SET_NAME to board c0:11:22:33:ab:cd: the board has no key yet; run 'tripod pair' (press the board's button first when pairing over Bluetooth)");
      expect(await client.getName()).toBe('Tripod-ABCD');
      // SET_KEY over BLE outside the pairing window: refused, with what to do.
      const p = (await client.setKey(KEY).catch((x) => x)) as CommandError;
      expect(p.status).toBe(0x07);
      expect(p.message).toMatch(/press the button and run 'tripod pair' again/);
      (board as unknown as { pressButton(): void }).pressButton();
      await new Promise((r) => setTimeout(r, 300));
      await client.setKey(KEY);
      storeKey('c0:11:22:33:ab:cd', KEY, path);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readKeys(path)).toEqual({ 'c0:11:22:33:ab:cd': Buffer.from(KEY).toString('hex') });
      // Writes now go challenge -> AUTH -> write without the caller doing anything.
      expect(await client.setName('Clinic-2')).toBe('Clinic-2');
      expect(await client.setSampleRate(10)).toBe(10);
      // Two writes at once: one after the other (the board holds one challenge).
      expect(await Promise.all([client.setName('A-1'), client.setName('B-2')])).toEqual(['A-1', 'B-2']);
      // A host whose key is not the board's is told so.
      const other = join(dir, 'other.json');
      storeKey('c0:11:22:33:ab:cd', KEY.map((b) => b ^ 1), other);
      const w = (await new CommandClient(transport, 2000, fileKeys(other)).setName('Mallory').catch((x) => x)) as CommandError;
      expect(w.message).toMatch(/^board refused SET_NAME: AUTH_REQUIRED \(0x07\): the key this host holds is not the board's; run 'tripod pair' again$/);
      expect(await client.getName()).toBe('B-2');
    } finally {
      await transport.close();
      board.stop();
    }
  }, 30_000);

  it('a broken key file is one line naming it', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"v":1,"boards":{"c0:11:22:33:ab:cd":"xyz"}}');
    expect(() => readKeys(path)).toThrow(`board key file ${path}: the key of c0:11:22:33:ab:cd is not 32 hex digits; run 'tripod pair' again for that board`);
    writeFileSync(path, 'not json');
    expect(() => fileKeys(path)('c0:11:22:33:ab:cd')).toThrow(/is not readable JSON/);
  });

  it('tripod pair sets a new key on the simulated board and stores it with mode 0600; bad --key is a usage error', async () => {
    const path = join(dir, 'cli', 'keys.json');
    const old = process.env.TRIPOD_KEYS;
    process.env.TRIPOD_KEYS = path;
    try {
      const bad = await runCli(['pair', '--key', '1234']);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--key must be 32 hex digits/);
      const r = await runCli(['pair', '--key', '00112233445566778899aabbccddeeff']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^paired board [0-9a-f:]{17} \(simulated board.*replacing its key\); key stored in /);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(Object.values(JSON.parse(readFileSync(path, 'utf8')).boards)).toEqual(['00112233445566778899aabbccddeeff']);
      writeFileSync(path, '{');
      const broken = await runCli(['pair']);
      expect(broken.code).toBe(1);
      expect(broken.err).toMatch(/is not readable JSON/);
    } finally {
      if (old === undefined) delete process.env.TRIPOD_KEYS;
      else process.env.TRIPOD_KEYS = old;
    }
  }, 60_000);
});
