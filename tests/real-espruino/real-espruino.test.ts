/**
 * The firmware on the real Espruino interpreter (firmware/real-espruino): the upload file installed
 * into Storage and booted as on a board, one interpreter process per board, all three at once:
 * - puck: espruino-arm-2630 (a Puck.js's 2,630 variables), BOARD PUCKJS, native code on a RAM GPIO block;
 * - mdbt42q: espruino-arm-2950 (an MDBT42Q's 2,950), BOARD MDBT42Q, the same;
 * - x64: espruino-x64 reporting its own BOARD (LINUX): native code must stay off, the JS paths stream.
 * Then the native probe on espruino-arm-8000: the firmware's loader, ABI check, native encoder (frames
 * byte-identical to the TypeScript encoder on the golden vectors and random streams) and read tick.
 *
 * The interpreter comes from TRIPOD_ESPRUINO_DIR (.ci/run sets it). Without it: one line and a skip,
 * except in CI (CI=true), where the suite fails.
 * Memory: the Puck.js and MDBT42Q runs give the firmware exactly its budget of variables (a ballast
 * after the stand-ins takes the rest, scenario.ts runBoard capVars), so the whole scenario passing
 * without LOW_MEMORY or MEMORY is the interpreter's own proof that the firmware runs in it. The
 * budget (firmware/README.md, issue 11): at most 1,840 variables on the Puck.js (30 % of its 2,630
 * free). process.memory() after boot, while streaming, after a command burst and a settings write,
 * and the largest usage seen at any stand-in call (peak) are printed; the stand-ins' own variables
 * (measured as the growth while .boot0 ran, the ballast with them) are taken off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOARD_MDBT42Q,
  BOARD_PUCKJS,
  BOARD_UNKNOWN,
  CMD_GET_CALIBRATION,
  CMD_GET_INFO,
  CMD_GET_NAME,
  CMD_SET_CALIBRATION,
  CMD_SET_FRAME_SAMPLES,
  CMD_SET_NAME,
  CMD_SET_SAMPLE_RATE,
  CMD_START_STREAM,
  CMD_TARE,
  EVT_OVERFLOW,
  MSG_DELTA,
  MSG_DELTA2,
  MSG_KEY,
  MSG_KEY2,
  PROTOCOL_MAJOR,
  AUTH_STATE_KEY_SET,
  STATUS_AUTH_REQUIRED,
  STATUS_BAD_ARGUMENT,
  STATUS_OK,
  STATUS_UNKNOWN_COMMAND,
  UUID_BATTERY_LEVEL,
  UUID_BATTERY_SERVICE,
  UUID_CONTROL,
  UUID_DATA,
  UUID_DEVICE_INFO_SERVICE,
  UUID_RESPONSE,
  UUID_SERVICE,
  UUID_SOFTWARE_REVISION,
} from '../../protocol/constants.ts';
import { createStreamDecoder } from '../../protocol/frame-decoder.ts';
import { goldenOps, randomOps, referenceLog, runProbe, type ProbeResult } from '../../firmware/real-espruino/native.ts';
import { findInterpreter, type Interpreter } from '../../firmware/real-espruino/runner.ts';
import { AUTH_CHECKS, CAL_SET, COMMANDS, NAME_SET, STREAM_S, VARS_PEAK_GOAL, VARS_PEAK_NOW, markOf, nonceOf, runBoard, type BoardKey, type RunRecord } from '../../firmware/real-espruino/scenario.ts';

const interp = findInterpreter(['espruino-arm-2630', 'espruino-arm-2950', 'espruino-arm-8000', 'espruino-x64']);
const missing = typeof interp === 'string' ? interp : null;
if (missing !== null && process.env.CI !== 'true') console.log(`real-espruino: skipped: ${missing}`);

describe.runIf(missing !== null && process.env.CI === 'true')('real interpreter in CI', () => {
  it('is present (CI never skips)', () => {
    expect.fail(`CI needs the real interpreter: ${missing}`);
  });
});

/** Stand-ins' own variables: usage growth while .boot0 ran (first boot). */
function standinVars(r: RunRecord): number {
  return markOf(r, 'standins').usage - markOf(r, 'pre').usage;
}

function firmwareVars(r: RunRecord, usage: number): number {
  return usage - standinVars(r);
}

function why(r: RunRecord): string {
  return `ended ${r.run.ended} after ${r.run.wallS.toFixed(0)} s (install retries ${r.run.installRetries}); uncaught ${JSON.stringify(r.uncaught)}; flags ${JSON.stringify(r.errorFlags)}; output tail: ${r.run.output.replace(/@\d+@\r?\n/g, '').slice(-400)}`;
}

describe.skipIf(missing !== null)('the firmware on the real Espruino interpreter', () => {
  const runs: Partial<Record<BoardKey, RunRecord>> = {};
  let probe: ProbeResult | null = null;
  const probeOps = [...goldenOps().ops, ...randomOps(11, 4, 150)];

  beforeAll(async () => {
    const i = interp as Interpreter;
    const keys: BoardKey[] = ['puck', 'mdbt42q', 'x64'];
    const rs = await Promise.all(keys.map((k) => runBoard(i, k, k === 'puck' || k === 'mdbt42q' ? { capVars: VARS_PEAK_NOW[k] } : {})));
    keys.forEach((k, n) => (runs[k] = rs[n]));
    // The probe after the boards: they stream in real time, two cores are shared.
    probe = await runProbe(i, 'espruino-arm-8000', probeOps);
  }, 600_000);

  afterAll(() => {
    for (const k of ['puck', 'mdbt42q'] as const) {
      const r = runs[k];
      if (!r || r.marks.length < 3) continue;
      console.log(`real-espruino ${k}: confined to ${VARS_PEAK_NOW[k]} vars: boot ${firmwareVars(r, markOf(r, 'boot').usage)}, largest seen ${firmwareVars(r, r.peak)} (stand-ins and ballast ${standinVars(r)}), flags ${r.errorFlags.join(',') || 'none'}, ended ${r.run.ended}`);
    }
  });

  for (const key of ['puck', 'mdbt42q', 'x64'] as const) {
    describe(key, () => {
      const board = key === 'puck' ? BOARD_PUCKJS : key === 'mdbt42q' ? BOARD_MDBT42Q : BOARD_UNKNOWN;
      const get = (): RunRecord => runs[key]!;

      it('boots from Storage and runs the whole scenario without LOW_MEMORY, MEMORY or an uncaught error', () => {
        const r = get();
        expect(r.run.ended, why(r)).toBe('done');
        expect(r.uncaught, why(r)).toEqual([]);
        expect(r.errorFlags, why(r)).toEqual([]);
        expect(r.finalFlags, why(r)).toBe('');
        expect(r.undecodable).toEqual([]);
      });

      it('declares its services and advertises as Tripod-XXXX', () => {
        const r = get();
        const ch = (c: string) => r.services.find((s) => s.characteristic === c);
        expect(ch(UUID_DATA)).toMatchObject({ service: UUID_SERVICE, props: 'rn' });
        expect(ch(UUID_CONTROL)).toMatchObject({ service: UUID_SERVICE, props: 'w' });
        expect(ch(UUID_RESPONSE)).toMatchObject({ service: UUID_SERVICE, props: 'rn' });
        expect(ch(UUID_BATTERY_LEVEL)).toMatchObject({ service: UUID_BATTERY_SERVICE });
        // What runs the per-sample work: native code on the boards (allowed by the stand-in), JS on x64.
        expect(ch(UUID_SOFTWARE_REVISION)).toMatchObject({ service: UUID_DEVICE_INFO_SERVICE, value: key === 'x64' ? 'jit-js' : 'native' });
        expect(r.advertising[0]).toEqual({ name: 'Tripod-ABCD', connectable: true, intervalMs: 375 });
        // No JavaScript console over BLE (issue 12): every setServices call asks for uart: false.
        expect(r.uartOptions.length).toBeGreaterThan(0);
        expect(new Set(r.uartOptions)).toEqual(new Set(['false']));
        expect(r.advertising.some((a) => a.name === NAME_SET)).toBe(true);
      });

      it('answers every command of the spec through the control characteristic, decoded by the host', () => {
        const r = get();
        for (const [id, c] of Object.entries(COMMANDS)) {
          const answers = r.responses.filter((x) => x.reqId === Number(id));
          expect(answers.length, `request ${id} (code ${c.code}): ${why(r)}`).toBe(1);
          const a = answers[0]!;
          expect(a.code, `request ${id}`).toBe(c.code);
          expect(a.status, `request ${id} (code ${c.code})`).toBe(Number(id) === 11 ? STATUS_UNKNOWN_COMMAND : Number(id) === 12 ? STATUS_BAD_ARGUMENT : STATUS_OK);
        }
        const by = (id: number) => r.responses.find((x) => x.reqId === id)!;
        expect(by(1).info).toMatchObject({ protocolMajor: PROTOCOL_MAJOR, boardId: board, cellCount: 4, sampleRateHz: 80, streaming: false });
        // GET_NAME comes after the authentication checks, whose one accepted write set this name.
        expect(by(2).name).toBe(AUTH_CHECKS.replayed.name);
        expect(by(3)).toMatchObject({ code: CMD_SET_NAME, name: NAME_SET });
        expect(by(4)).toMatchObject({ code: CMD_GET_CALIBRATION, calibration: { cell: 2 } });
        expect(by(5).code).toBe(CMD_SET_CALIBRATION);
        expect(by(6)).toMatchObject({ code: CMD_SET_SAMPLE_RATE, sampleRateHz: 10 });
        expect(by(7)).toMatchObject({ code: CMD_SET_SAMPLE_RATE, sampleRateHz: 80 });
        expect(by(8).code).toBe(CMD_SET_FRAME_SAMPLES);
        expect(by(8).samplesPerFrame).toBeGreaterThanOrEqual(1);
        expect(by(8).samplesPerFrame).toBeLessThanOrEqual(4);
        const offsets = by(10).offsets!;
        expect(by(10).code).toBe(CMD_TARE);
        // The native read on the RAM block reads 0 counts; the JS read gets the stand-in chips' values.
        offsets.forEach((o, c) => (key === 'x64' ? expect(Math.abs(o - 100000 * (c + 1))).toBeLessThan(2500) : expect(o).toBe(0)));
        expect(by(20).code).toBe(CMD_START_STREAM);
        expect(by(20).bootId).toBeGreaterThan(0);
        // The host asked for KEY2/DELTA2: the native encoder makes them, the JS one (x64) answers 1.1.
        expect(by(20).frameFormat).toBe(key === 'x64' ? 1 : 2);
        expect(by(21).info).toMatchObject({ streaming: true, mtu: 23 });
        expect(by(23).name).toBe(NAME_SET);
        // After REBOOT (a fresh boot from Storage): the name and the calibration were kept.
        expect(r.rebooted).toBe(true);
        expect(by(41).name).toBe(NAME_SET);
        const cal = by(42).calibration!;
        // The offset is TARE's (it came after SET_CALIBRATION); scale and position are SET_CALIBRATION's.
        expect(cal).toMatchObject({ cell: CAL_SET.cell, offset: offsets[CAL_SET.cell], xMm: CAL_SET.xMm, yMm: CAL_SET.yMm });
        expect(cal.scale).toBeCloseTo(CAL_SET.scale, 9);
      });

      it('refuses writes without the key and takes them with it: challenge, AUTH, replay and wrong-command checks (SPEC.md 5.5)', () => {
        const r = get();
        const all = (id: number) => r.responses.filter((x) => x.reqId === id);
        const one = (id: number) => {
          const a = all(id);
          expect(a.length, `request ${id}: ${why(r)}`).toBe(1);
          return a[0]!;
        };
        const c = AUTH_CHECKS;
        // Before pairing: a write without AUTH is refused and changes nothing.
        expect(one(c.unauthenticated.reqId).status).toBe(STATUS_AUTH_REQUIRED);
        expect(one(c.nameAfter.reqId).name).toBe('Tripod-ABCD');
        // The button opened the pairing window: SET_KEY without AUTH.
        expect(one(c.pair.reqId).status).toBe(STATUS_OK);
        // An authenticated write works once; the same AUTH and command after a new challenge do not.
        expect(all(c.replayed.reqId).map((x) => x.status)).toEqual([STATUS_OK, STATUS_AUTH_REQUIRED]);
        expect(one(c.sentInstead.reqId).status).toBe(STATUS_AUTH_REQUIRED);
        // Every challenge carried the board's nonce (the stand-ins' hwRand) and state; every AUTH was taken.
        const challenges = r.responses.filter((x) => x.reqId >= 100 && x.reqId < 150).sort((a, b) => a.reqId - b.reqId);
        expect(challenges.length).toBeGreaterThan(10);
        challenges.forEach((x, k) => {
          expect(x.reqId).toBe(100 + k);
          expect(x.status).toBe(STATUS_OK);
          expect(Buffer.from(x.nonce!).toString('hex'), `challenge ${k}`).toBe(Buffer.from(nonceOf(k)).toString('hex'));
          expect(x.authState, `challenge ${k}`).toBe(AUTH_STATE_KEY_SET);
          expect(x.address).toBe('c0:11:22:33:ab:cd');
        });
        const auths = r.responses.filter((x) => x.reqId >= 150 && x.reqId < 200);
        expect(auths.length).toBeGreaterThanOrEqual(challenges.length - 1);
        for (const a of auths) expect(a.status, `AUTH ${a.reqId}`).toBe(STATUS_OK);
      });

      it(`streams frames the host decoder accepts for at least ${STREAM_S - 2} s of real time`, () => {
        const r = get();
        const start = markOf(r, 'commands').timeS;
        const stop = markOf(r, 'stopped').timeS;
        expect(stop - start).toBeGreaterThanOrEqual(60);
        expect(r.frames.length).toBeGreaterThan(100);
        const d = createStreamDecoder();
        let samples = 0;
        let inRange = true;
        let firstT = Infinity;
        let lastT = -Infinity;
        for (const f of r.frames) {
          const b = d.push(f);
          if (b === null) continue;
          samples += b.count;
          if (b.deviceTimeMs !== null) {
            firstT = Math.min(firstT, b.deviceTimeMs);
            lastT = Math.max(lastT, b.deviceTimeMs);
          }
          if (key === 'x64') for (let k = 0; k < b.count; k++) for (let c = 0; c < 4; c++) if (Math.abs(b.counts[4 * k + c]! - 100000 * (c + 1)) > 2000) inRange = false;
        }
        expect(d.stats.rejected, JSON.stringify(d.stats.errors)).toBe(0);
        expect(d.stats.samples).toBe(samples);
        // The frames are in the format the answer named; with 1.2 frames no frame went missing either.
        const kinds = new Set(r.frames.map((f) => f[0]));
        expect(kinds).toEqual(key === 'x64' ? new Set([MSG_KEY, MSG_DELTA]) : new Set([MSG_KEY2, MSG_DELTA2]));
        expect(d.stats.lostFrames).toBe(0);
        // The sample times span the stream (KEY frames carry device time): frames came all along.
        expect(lastT - firstT).toBeGreaterThanOrEqual(55_000);
        expect(samples).toBeGreaterThan(0);
        // Every lost sample is one the device reported (OVERFLOW events), none vanished silently.
        const reported = r.events.filter((e) => e.code === EVT_OVERFLOW).reduce((a, e) => a + (e.dropped ?? 0), 0);
        expect(d.stats.lostSamples).toBe(reported);
        expect(inRange, 'the JS read path delivers the stand-in chips\' counts').toBe(true);
      });

      if (key !== 'x64') {
        it(`runs the whole scenario in ${VARS_PEAK_NOW[key]} variables (a ballast takes the rest; goal ${VARS_PEAK_GOAL} on the Puck.js)`, () => {
          const r = get();
          for (const l of ['boot', 'streaming', 'burst', 'settings']) expect(markOf(r, l).usage, l).toBeGreaterThan(0);
          // The ballast was in place at both boots and left the firmware its budget: not more, and not
          // more than 5 fewer (what the stand-ins' last allocations take; 3 in the runs of December 2026).
          expect(r.capVars.length, why(r)).toBe(2);
          for (const v of r.capVars) {
            expect(v, why(r)).toBeLessThanOrEqual(VARS_PEAK_NOW[key]);
            expect(v, why(r)).toBeGreaterThanOrEqual(VARS_PEAK_NOW[key] - 5);
          }
          // All the firmware's usage fit: the interpreter never ran out (MEMORY) nor had to collect
          // garbage to go on (LOW_MEMORY).
          expect(r.errorFlags, why(r)).toEqual([]);
          expect(firmwareVars(r, r.peak)).toBeLessThanOrEqual(VARS_PEAK_NOW[key]);
        });
      }
    });
  }

  describe('native code on the ARM interpreter (espruino-arm-8000)', () => {
    it("the firmware's loader takes the code (ABI check passed) with the explicit GPIO allowance", () => {
      const p = probe!;
      expect(p.run.ended, p.run.output.slice(-300)).toBe('done');
      expect(p.uncaught).toEqual([]);
      expect(p.loaded).toBe(true);
      expect(p.gpioBase).toBeGreaterThan(0);
      expect(p.finished).toBe(true);
    });

    it('the native encoder makes the TypeScript encoder\'s frames byte for byte (golden vectors, random streams, overflows)', () => {
      const p = probe!;
      const ref = referenceLog(probeOps);
      expect(ref.filter((l) => l.startsWith('F ')).length).toBeGreaterThan(150);
      expect(ref.some((l) => l.startsWith('O '))).toBe(true);
      expect(p.log).toEqual(ref);
    });

    it('the read tick drives the RAM GPIO block: a repeat goes to the JS check, not ready is a poll, a usual set is stored', () => {
      const [t1, t2, t3] = probe!.ticks;
      const clocks = 0xf << 11;
      expect(t1).toMatchObject({ r: -(0x10000 | 0x2000), sets: 1, polls: 0, outset: clocks, outclr: clocks, ringSize: 0 });
      expect(t2).toMatchObject({ r: 8, sets: 1, polls: 1, outset: 0, outclr: 0, ringSize: 0 });
      expect(t3).toMatchObject({ sets: 2, polls: 0, outset: clocks, outclr: clocks, ringSize: 1 });
      expect(t3!.r).toBeGreaterThan(0);
    });
  });
});
