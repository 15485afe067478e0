import { createInterface } from 'node:readline/promises';
import { optionTable, type CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { checkWritable } from '../../util/atomic-write.ts';
import { parseSourceFlags, positiveNumber, SOURCE_HELP, SOURCE_OPTIONS } from '../source-flags.ts';

const HELP = `Usage: tripod calibrate [--mass-kg KG] [--yes] [--json] [--out FILE] [board source]

Calibrates the four cells with a known mass: tare on the empty plate (checked steady), then the
mass at the centre and near each cell (2/3 of the way from the centre to it: on the reference
plate 120 mm right/left and 120 mm forward/back). Each step waits for the load to appear and
hold still, averages a steady window, and measures again if the mass moved. Per-cell scales
(N per count) come from a least-squares fit of force and moment balance at all positions; the
residual (N) and the centre-of-pressure error (mm) are reported per position.

A calibration is refused, with the reason, when: the mass kept moving at a step; one or two
positions disagree (the mass was not on its mark); most positions disagree, a cell's HX711 stops
answering, or a cell came out negative or far from the others (a cell fault: wiring, a foot off
the floor); every scale moved
by the same factor from the board's stored calibration (a wrong mass entered). Nothing is written
then. An accepted result goes to the board (SET_CALIBRATION, kept in its flash) and to a file.

  --mass-kg KG          the known mass, kg (asked for when not given)
  --yes                 no prompts: the scripted mode for labs (the wizard waits for each load to
                        appear and settle instead of for Enter) and write without asking
  --json                print the result as JSON (includes cop_error_mm: the largest CoP error
                        over the positions after calibration, and each position's residual)
  --out FILE            calibration file to write (default: ./tripod-calibration.json);
                        use it later with --calibration FILE
  --no-board-write      do not store the result on the board (file only)
  --window-s S          averaging window per step, s (default 2)
  --ignore-previous     skip the wrong-mass check against the board's stored calibration
  --sim-fault KIND      simulated board only: misbehave on purpose: moved (the mass slides during
                        a measurement), misplaced (30 mm off one mark), wrong-mass (12 kg placed
                        on a board that was calibrated before), unplugged (cell 2's HX711)
  --sim-speed N         simulated board only: run its clock N times faster than real time
                        (default 1)
${SOURCE_HELP}

With --sim (the default) the emulated board plays the person: its cells are deliberately
mis-scaled (+-8 %) and offset, and it puts the mass where the wizard asks.

Examples:
  tripod calibrate --sim --mass-kg 10 --yes --json
  tripod calibrate --serial /dev/ttyACM0 --mass-kg 20 --out lab-board-1.json`;

export const command: CliCommand = {
  name: 'calibrate',
  summary: 'calibrate the cells with a known mass (wizard, or scripted with --yes)',
  help: HELP,
  allowPositionals: true,
  options: { ...SOURCE_OPTIONS, ...optionTable(['mass-kg', 'out', 'window-s', 'sim-fault', 'sim-speed'], ['yes', 'json', 'no-board-write', 'ignore-previous']) },
  async run(ctx) {
    const v = ctx.values;
    const { source, calibrationFile } = parseSourceFlags(v, ctx.positionals);
    if (calibrationFile) throw new UsageError('--calibration does not apply to calibrate (it writes a calibration; use --out FILE)');
    const yes = v.yes === true;
    const json = v.json === true;
    let massKg = positiveNumber(v['mass-kg'], '--mass-kg', 'kg');
    const windowS = v['window-s'] === undefined ? 2 : (positiveNumber(v['window-s'], '--window-s', 's') ?? 2);
    const fault = v['sim-fault'];
    if (fault !== undefined && source.kind !== 'sim') throw new UsageError('--sim-fault needs the simulated board (--sim)');
    const speed = v['sim-speed'] === undefined ? 1 : (positiveNumber(v['sim-speed'], '--sim-speed', 'times real time') ?? 1);
    if (v['sim-speed'] !== undefined && source.kind !== 'sim') throw new UsageError('--sim-speed needs the simulated board (--sim)');
    if (speed > 50) throw new UsageError(`--sim-speed ${speed} is too fast for the emulator to keep up; use 50 or less`);
    if (fault !== undefined && fault !== 'moved' && fault !== 'misplaced' && fault !== 'wrong-mass' && fault !== 'unplugged') {
      throw new UsageError(`--sim-fault must be moved, misplaced, wrong-mass or unplugged, got '${String(fault)}'`);
    }
    const { DEFAULT_CALIBRATION_FILE, calibrationReport } = await import('../../calibration/output.ts');
    const outFile = typeof v.out === 'string' ? v.out : DEFAULT_CALIBRATION_FILE;
    if (outFile === '') throw new UsageError('--out needs a file path');
    try {
      checkWritable(outFile, { overwrite: true });
    } catch (e) {
      throw new RuntimeError(`${(e as Error).message}; nothing was measured or written`);
    }

    const say = (line: string): void => {
      ctx.err.write(`${line}\n`);
    };
    const rl = yes ? null : createInterface({ input: process.stdin, output: ctx.err, terminal: false });
    try {
      if (massKg === null) {
        if (!rl) throw new UsageError('--mass-kg is required with --yes (the scripted mode asks nothing)');
        massKg = positiveNumber((await rl.question('Known mass in kg (e.g. 10): ')).trim(), 'the mass', 'kg');
        if (massKg === null) throw new UsageError('a mass in kg is needed');
      }
      const mass = massKg;
      const { runCalibration } = await import('../../calibration/run.ts');
      const { STANDARD_GRAVITY } = await import('../../calibration/solve.ts');
      const enter = async (text: string): Promise<void> => {
        if (rl) await rl.question(`${text}\n  press Enter when done `);
        else say(text);
      };
      let lastPhase = '';
      const result = await runCalibration({
        source,
        openOptions: { transports: ctx.transports },
        massKg: mass,
        outFile,
        writeBoard: v['no-board-write'] !== true,
        ignorePrevious: v['ignore-previous'] === true,
        wizard: { windowS, signal: ctx.signal },
        // wrong-mass: the simulated board boots already calibrated, so the changed scales show.
        ...(source.kind === 'sim' ? { sim: { speed, ...(fault ? { misbehave: simFault(fault), storedCalibration: fault === 'wrong-mass' } : {}) } } : {}),
        ui: {
          async instruct(step) {
            lastPhase = '';
            if (step.kind === 'tare') await enter('step 1: clear the plate (nothing on it, nobody touching it) for the tare');
            else if (step.kind === 'place') await enter(`step ${step.index + 2}/${step.of + 1}: put the ${step.massKg} kg mass at the ${step.mark.name} mark: ${step.description}`);
            else say('done measuring: take the mass off');
          },
          progress(p) {
            const key = `${p.phase}`;
            if (p.phase === 'measured') say(p.step.kind === 'tare' ? '  tare: steady, offsets taken' : '  measured: steady');
            else if (p.phase === 'unsteady') say(`  the load moved (drift ${p.stats.worstDriftN.toFixed(2)} N, noise ${p.stats.worstStdN.toFixed(2)} N): hold still, measuring again (attempt ${p.attempt})`);
            else if (p.phase === 'waiting-load' && key !== lastPhase) say(`  waiting for the mass (about ${(mass * STANDARD_GRAVITY).toFixed(0)} N)...`);
            else if (p.phase === 'measuring' && key !== lastPhase) say('  steady load: averaging...');
            lastPhase = key;
          },
        },
        confirm: async (o) => {
          printPositions(o, say);
          if (yes || !rl) return true;
          const a = (await rl.question(`Write this calibration ${v['no-board-write'] ? '' : 'to the board and '}to ${outFile}? [y/N] `)).trim().toLowerCase();
          return a === 'y' || a === 'yes';
        },
      });
      const o = result.outcome;
      for (const w of o.warnings) say(`note: ${w}`);
      if (!o.accepted) {
        if (o.solution) printPositions(o, say);
        for (const r of o.refusals) say(`refused (${r.code}): ${r.message}`);
      }
      if (json) ctx.out.write(`${JSON.stringify(calibrationReport(o, { written_to_board: result.writtenToBoard, file: result.file }))}\n`);
      else if (o.accepted && o.solution) {
        ctx.out.write(
          `calibrated: worst CoP error ${o.solution.copErrorMm.toFixed(2)} mm, worst total error ${o.solution.maxResidualN.toFixed(3)} N; ` +
            `${result.writtenToBoard ? 'stored on the board' : 'not stored on the board'}${result.file ? `, written to ${result.file}` : ''}\n`,
        );
      }
      if (!o.accepted) throw new RuntimeError(`calibration refused: ${o.refusals[0]?.message ?? 'see above'}`);
      if (!result.file && !result.writtenToBoard) say('nothing was written (not confirmed)');
      return 0;
    } finally {
      rl?.close();
    }
  },
};

function printPositions(o: import('../../calibration/wizard.ts').CalibrationOutcome, say: (l: string) => void): void {
  if (!o.solution) return;
  say('position                      residual N   CoP error mm');
  for (const p of o.solution.positions) say(`  ${p.name.padEnd(28)} ${p.residualN.toFixed(3).padStart(10)} ${p.copErrorMm.toFixed(2).padStart(13)}`);
  o.solution.cells.forEach((c, i) => say(`  cell ${i}: offset ${c.offset.toFixed(1)} counts, scale ${c.scale.toExponential(6)} N/count`));
}

function simFault(kind: string): import('../../calibration/sim-person.ts').SimMisbehaviour {
  if (kind === 'moved') return { slideAtPosition: 2, slideMmPerS: 20 };
  if (kind === 'misplaced') return { misplaceAtPosition: 3, misplaceMm: 30 };
  if (kind === 'unplugged') return { unplugCell: 2 };
  return { trueMassKg: 12 };
}
