/**
 * Makers' path figures:
 * - flash.upload_s: wall time of `tripod flash`'s upload of firmware/dist/tripod.min.js into the
 *   emulator's REPL over loopback TCP, through the real espruino package (child process start,
 *   env query, pretokenising, Save-on-Send chunks, load()), until the package reports the upload
 *   done. The package pauses 250 ms after each 1 KB `Storage.write` line (its flash-write
 *   throttle), so this is dominated by stored size / 1 KB x 0.25 s, as on a real board.
 * - flash.stored_bytes: size of `.bootcde` on the board; flash.storage_left_bytes: what remains of
 *   the board's 40,960 bytes of Storage (process.env.STORAGE on the MDBT42Q and Puck.js). Without
 *   pretokenising the upload file (about 43 KB) does not fit, nor does the readable tripod.js.
 * - flash.verify_s: from the upload's end to a GET_INFO answer over the same port.
 * - calibrate.cop_error_mm: largest CoP error over the five positions after calibrating the
 *   simulated board (cells mis-scaled by up to +-8 %, offset 10^4..10^5 counts; 10 kg mass;
 *   2 s windows), in real time like `tripod calibrate --sim`.
 * - calibrate.gain_error_pct: largest |recovered scale / true scale - 1| over the four cells, %.
 */
import { existsSync, statSync } from 'node:fs';
import type { BenchModule, Figures } from './types.ts';

export const bench: BenchModule = {
  name: 'makers',
  async run(log) {
    const { DEFAULT_FIRMWARE_PATH } = await import('../../firmware/emulator/index.ts');
    if (!existsSync(DEFAULT_FIRMWARE_PATH)) throw new Error(`${DEFAULT_FIRMWARE_PATH} missing: run npm run build:firmware first`);
    const { startEmulatorRepl } = await import('../../firmware/emulator/repl-server.ts');
    const { flashFirmware } = await import('../flash/flash.ts');
    const figures: Figures = {};

    const repl = await startEmulatorRepl({});
    try {
      const t0 = performance.now();
      const r = await flashFirmware({ port: repl.url, pretokenise: true });
      const t1 = performance.now();
      const stored = repl.storage()['.bootcde']?.length ?? 0;
      log(`pretokenised: sent ${r.uploadedBytes} bytes, stored ${stored} (file ${statSync(r.file).size}); firmware ${r.verified?.firmwareVersion}, protocol ${r.verified?.protocolVersion}`);
      figures['flash.upload_s'] = round(r.uploadS, 2);
      figures['flash.verify_s'] = round((t1 - t0) / 1000 - r.uploadS, 2);
      figures['flash.stored_bytes'] = stored;
      figures['flash.storage_left_bytes'] = 40_960 - stored;
    } finally {
      await repl.close();
    }

    const { runCalibration, simTrueScales } = await import('../calibration/run.ts');
    const cal = await runCalibration({ source: { kind: 'sim' }, massKg: 10, outFile: null, ui: { instruct: async () => {}, progress: () => {} } });
    if (!cal.outcome.accepted || !cal.outcome.solution || !cal.outcome.cells) throw new Error(`the bench calibration was refused: ${cal.outcome.refusals.map((x) => x.message).join('; ')}`);
    const truth = await simTrueScales();
    const gainErr = Math.max(...cal.outcome.cells.map((c, i) => Math.abs(c.scale / truth[i]! - 1)));
    log(`calibration: ${cal.outcome.solution.positions.length} positions, worst total error ${cal.outcome.solution.maxResidualN.toFixed(4)} N`);
    figures['calibrate.cop_error_mm'] = round(cal.outcome.solution.copErrorMm, 3);
    figures['calibrate.gain_error_pct'] = round(gainErr * 100, 4);
    return figures;
  },
};

function round(v: number, d: number): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
