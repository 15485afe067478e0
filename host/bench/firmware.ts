/**
 * Firmware figures from the board emulator running the built firmware (firmware/dist/tripod.js,
 * built fresh from firmware/src): a BLE central (MTU 23) streams 60 virtual seconds at 80 Hz.
 * - firmware.emulator_virtual_s_per_wall_s: virtual seconds the emulator runs per wall second.
 * - firmware.api_calls_per_sample: Espruino API calls per sample set while streaming (read, poll,
 *   time stamp, notify; the emulator counts every call into Espruino).
 * - firmware.callbacks_per_sample: idle-loop callbacks (timers, events) per sample set.
 * - firmware.cpu_ms_per_sample: modelled device CPU time per sample set, ms (emulator cost model:
 *   shared/docs/espruino.md cost table, 12 us per 1,000 instructions, "jit" at half cost).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware } from '../../firmware/build.ts';
import { createBoard, functionLoads } from '../../firmware/emulator/index.ts';
import { CMD_START_STREAM, UUID_CONTROL, UUID_DATA, UUID_RESPONSE, encodeCommand } from '../../protocol/index.ts';
import type { BenchModule, Figures } from './main.ts';

const STREAM_S = 60;

export const bench: BenchModule = {
  name: 'firmware',
  async run(log): Promise<Figures> {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-bench-fw-'));
    let source: string;
    try {
      buildFirmware(undefined, join(dir, 'tripod.js'));
      source = readFileSync(join(dir, 'tripod.js'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const board = createBoard({
      clock: 'virtual',
      seed: 5,
      source,
      loads: functionLoads((t) => [250 + 50 * Math.sin(t), 200, 180 + 30 * Math.sin(3 * t), 220]),
    });
    board.advance(1);
    const link = board.ble.connect({ mtu: 23 });
    link.subscribe(UUID_DATA);
    link.subscribe(UUID_RESPONSE);
    let frames = 0;
    link.onNotify((c) => {
      if (c === UUID_DATA) frames++;
    });
    board.advance(0.2);
    link.write(UUID_CONTROL, encodeCommand({ reqId: 1, code: CMD_START_STREAM }));
    board.advance(1);
    const s0 = board.stats();
    const reads0 = s0.hx711[0]!.readsCompleted;
    const wall0 = performance.now();
    board.advance(STREAM_S);
    const wallS = (performance.now() - wall0) / 1000;
    const s1 = board.stats();
    const sets = s1.hx711[0]!.readsCompleted - reads0;
    const figures: Figures = {
      'firmware.emulator_virtual_s_per_wall_s': Math.round((STREAM_S / wallS) * 10) / 10,
      'firmware.api_calls_per_sample': Math.round(((s1.totalApiCalls - s0.totalApiCalls) / sets) * 100) / 100,
      'firmware.callbacks_per_sample': Math.round(((s1.callbacks - s0.callbacks) / sets) * 100) / 100,
      'firmware.cpu_ms_per_sample': Math.round(((s1.cpuSeconds - s0.cpuSeconds) / sets) * 1e5) / 100,
    };
    const calls: Record<string, number> = {};
    for (const [k, v] of Object.entries(s1.apiCalls)) {
      const d = v - (s0.apiCalls[k] ?? 0);
      if (d > 0) calls[k] = Math.round((d / sets) * 100) / 100;
    }
    log(`${sets} sample sets and ${frames} frames in ${STREAM_S} virtual s (${wallS.toFixed(2)} s wall); calls per set: ${JSON.stringify(calls)}`);
    board.stop();
    return figures;
  },
};
