/**
 * `tripod live` tells the terminal user what the host did about frames lost on the radio: a central
 * that imposes a 30 ms connection interval (FakeRadio over an emulated board, real noble) loses
 * frames at 2 samples per frame (40 notifications/s, 33 connection events/s). Unpaired, the host
 * cannot change the board's settings and live says so and how to pair; paired, the session asks
 * for 4 samples per frame (host/pipeline/radio-loss.ts) and live says so. Each message once, on its
 * own stderr line, while live goes on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../host/helpers/cli.ts';
import { TransportFactory } from '../../host/transport/open.ts';
import { FakeRadio } from '../../host/transport/fake-radio.ts';
import { createBoard } from '../../firmware/emulator/index.ts';
import { simBoardStorage } from '../../host/transport/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'tripod-radio-loss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `tripod live` until stderr matches `until` (or 45 s), 2 s more, then Ctrl-C. */
async function liveUntil(transports: TransportFactory, address: string, until: RegExp): Promise<{ code: number; out: string; err: string }> {
  let err = '';
  const running = runCli(['live', '--ble', address, '--no-web', '--no-store'], transports, { onErr: (t) => (err += t) });
  try {
    const t0 = Date.now();
    while (!until.test(err) && Date.now() - t0 < 45_000) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    process.emit('SIGINT');
  }
  return running;
}

describe('tripod live on a lossy radio', () => {
  it('unpaired: says frames are lost and how to pair; paired: says the board now sends 4 per frame', async () => {
    const address = 'c0:11:22:33:44:30';
    const board = createBoard({ seed: 3, clock: 'realtime', storage: simBoardStorage(), address });
    const transports = new TransportFactory({ bleBindings: new FakeRadio([{ board, address, intervalMs: 30 }]) });
    const oldKeys = process.env.TRIPOD_KEYS;
    process.env.TRIPOD_KEYS = join(dir, 'keys.json');
    try {
      const unpaired = await liveUntil(transports, address, /frames are being lost on the radio/);
      expect(unpaired.code, unpaired.err).toBe(0);
      const warned = unpaired.err.split('\n').filter((l) => l.includes('lost on the radio'));
      expect(warned, unpaired.err).toHaveLength(1);
      expect(warned[0]).toMatch(/^tripod live: frames are being lost on the radio .* could not be asked for larger frames: .*run 'tripod pair'/);

      (board as unknown as { pressButton(): void }).pressButton();
      const pair = await runCli(['pair', '--ble', address], transports);
      expect(pair.code, pair.err).toBe(0);

      const paired = await liveUntil(transports, address, /frames were lost on the radio/);
      expect(paired.code, paired.err).toBe(0);
      const told = paired.err.split('\n').filter((l) => l.includes('lost on the radio'));
      expect(told, paired.err).toHaveLength(1);
      expect(told[0]).toMatch(/^tripod live: frames were lost on the radio .* the board now sends 4 samples per frame/);
      expect(paired.out).toMatch(/\d+ samples, \d+ lost/);
    } finally {
      if (oldKeys === undefined) delete process.env.TRIPOD_KEYS;
      else process.env.TRIPOD_KEYS = oldKeys;
      board.stop();
    }
  }, 150_000);
});
