/**
 * The wizard as a person meets it: `tripod calibrate --sim` run as a process, answering its prompts
 * on stdin (the mass, Enter after each step, y to write) as they appear on stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCalibrationFile } from '../../host/pipeline/calibration.ts';

const BIN = fileURLToPath(new URL('../../host/cli/bin.mjs', import.meta.url));

describe('tripod calibrate, interactive', () => {
  it('asks for the mass, waits for Enter at each of the 6 steps, asks before writing, then writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripod-wiz-'));
    const out = join(dir, 'cal.json');
    try {
      const child = spawn(process.execPath, [BIN, 'calibrate', '--sim', '--sim-speed', '8', '--window-s', '1.5', '--out', out], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      let stdout = '';
      let enters = 0;
      let answered = 0;
      const answer = (text: string): void => {
        child.stdin.write(text);
      };
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        // Answer each prompt once, in order, as it appears.
        const prompts = err.match(/Known mass in kg \(e\.g\. 10\): |press Enter when done |\[y\/N\] /g) ?? [];
        while (answered < prompts.length) {
          const p = prompts[answered]!;
          if (p.startsWith('Known')) answer('10\n');
          else if (p.startsWith('press')) {
            enters++;
            answer('\n');
          } else answer('y\n');
          answered++;
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(err).not.toMatch(/refused/);
      expect(code).toBe(0);
      expect(enters).toBe(6);
      expect(err).toContain('step 1: clear the plate');
      expect(err).toContain('step 6/6: put the 10 kg mass at the rear-right (near cell 3) mark: 120 mm right and 120 mm back of the centre');
      expect(err).toMatch(/Write this calibration to the board and to .*cal\.json\? \[y\/N\]/);
      expect(stdout).toMatch(/^calibrated: worst CoP error 0\.\d\d mm, worst total error 0\.\d+ N; stored on the board, written to /);
      expect(existsSync(out)).toBe(true);
      expect(loadCalibrationFile(out).cells).toHaveLength(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
