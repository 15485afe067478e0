/**
 * Where a calibration goes when something fails (issue 12): every output is checked before the
 * first step; the file is written (temporary file + rename) before the board; a board write that
 * fails puts the board's previous calibration back and says where the new one is.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_FIRMWARE_PATH } from '../../firmware/emulator/index.ts';
import { createSimCalibrationBoard, runCalibration, type SimCalibrationBoard } from '../../host/calibration/run.ts';
import { loadCalibrationFile } from '../../host/pipeline/calibration.ts';
import { openBoard } from '../../host/session.ts';

const dir = mkdtempSync(join(tmpdir(), 'tripod-calout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet = { instruct: async () => {}, progress: () => {} };

async function boardCalibration(board: SimCalibrationBoard): Promise<Array<{ offset: number; scale: number }>> {
  const s = await openBoard({ kind: 'sim' }, { sim: { board: board as never }, stream: false });
  try {
    return (await s.commands!.getCalibration()).map((r) => ({ offset: r.offset, scale: r.scale }));
  } finally {
    await s.close();
  }
}

describe('calibration outputs', () => {
  it('an output that cannot be written stops the calibration before the board is even opened', async () => {
    let opened = false;
    await expect(
      runCalibration({ source: { kind: 'sim' }, massKg: 10, ui: quiet, outFile: '/nonexistent/cal.json', onSession: () => (opened = true) }),
    ).rejects.toThrow('cannot write /nonexistent/cal.json: directory /nonexistent does not exist');
    expect(opened).toBe(false);
  });

  it('a board write that fails puts the previous calibration back; the new one is in the file', async () => {
    if (!existsSync(DEFAULT_FIRMWARE_PATH)) throw new Error('run npm run build:firmware first (npm test does)');
    const board = await createSimCalibrationBoard({ speed: 8, storedCalibration: true });
    try {
      const before = await boardCalibration(board);
      const out = join(dir, 'cal.json');
      let writes = 0;
      const run = runCalibration({
        source: { kind: 'sim' },
        sim: { speed: 8, board },
        wizard: { windowS: 1.5 },
        ignorePrevious: true,
        massKg: 10,
        ui: quiet,
        outFile: out,
        onSession: (s) => {
          const c = s.commands!;
          const real = c.setCalibration.bind(c);
          // the link drops at the third cell of the new calibration (cells 0 and 1 already stored)
          c.setCalibration = async (r) => {
            if (++writes === 3) throw new Error('link lost (injected)');
            return real(r);
          };
        },
      });
      await expect(run).rejects.toThrow(
        `writing the calibration to the board failed (link lost (injected)); the board keeps its previous calibration; the new calibration is in ${out} (use it with --calibration)`,
      );
      expect(writes).toBe(3 + 4); // 2 new cells stored, the 3rd failed, then the 4 previous ones
      const after = await boardCalibration(board);
      after.forEach((c, i) => {
        expect(c.offset).toBe(before[i]!.offset);
        expect(Math.abs(c.scale / before[i]!.scale - 1)).toBeLessThan(1e-6);
      });
      const file = loadCalibrationFile(out);
      expect(file.cells.map((c) => c.scale)).not.toEqual(before.map((c) => c.scale));
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      board.stop();
    }
  }, 120_000);
});
