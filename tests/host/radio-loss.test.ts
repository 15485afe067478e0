import { describe, expect, it } from 'vitest';
import { createBoard, constantLoads } from '../../firmware/emulator/index.ts';
import { RadioLossWatch } from '../../host/pipeline/radio-loss.ts';
import type { PipelineEvent } from '../../host/pipeline/types.ts';
import { openBoard } from '../../host/session.ts';
import { simBoardStorage } from '../../host/transport/sim.ts';

const lost = (reason = 'frames lost'): PipelineEvent => ({ type: 'gap', fromIndex: 0, count: 10, reason });

describe('RadioLossWatch', () => {
  it('decides once, after 2 gaps of lost frames within 5 s', () => {
    const w = new RadioLossWatch();
    expect(w.note(lost(), 0)).toBe(false);
    expect(w.note(lost('frames lost or rejected (1 rejected)'), 4000)).toBe(true);
    expect(w.note(lost(), 4100)).toBe(false);
  });

  it('ignores gaps the board or the link explain, and gaps too far apart', () => {
    const w = new RadioLossWatch();
    for (const reason of ['device buffer overflow', 'link lost (timeout)', 'stream restarted; the board restarted its stream', 'frames lost at the start of the stream'.replace('frames lost', 'lost')]) expect(w.note(lost(reason), 0)).toBe(false);
    expect(w.note({ type: 'duplicate', index: 1, count: 1 }, 0)).toBe(false);
    expect(w.note(lost(), 0)).toBe(false);
    expect(w.note(lost(), 6000)).toBe(false); // the first one left the window
    expect(w.note(lost(), 7000)).toBe(true);
  });

  it('starts afresh when stream time goes back (a rebooted board counts from 0 again)', () => {
    const w = new RadioLossWatch();
    expect(w.note(lost(), 90_000)).toBe(false);
    expect(w.note(lost(), 1000)).toBe(false);
    expect(w.note(lost(), 2000)).toBe(true);
  });
});

describe('a board slower than real time (a loaded host running the emulator)', () => {
  it('still gets the fallback: the 5 s window is stream time, not the host clock', async () => {
    const board = createBoard({ clock: 'virtual', loads: constantLoads([180, 170, 160, 190]), seed: 7, storage: simBoardStorage() });
    let running = true;
    // At least 8 times slower than real time: 2 ms of the board's time per 16 ms of the host's. The
    // gaps of lost frames come one per KEY interval (1 s of stream time), so 8 s apart on the host.
    void (async () => {
      while (running) {
        for (let k = 0; k < 8; k++) board.advance(0.00025);
        await new Promise((r) => setTimeout(r, 16));
      }
    })();
    const session = await openBoard({ kind: 'sim' }, { sim: { board, intervalMs: 30 } });
    const events: PipelineEvent[] = [];
    session.events$.subscribe((e) => events.push(e));
    const t0 = Date.now();
    try {
      const end = board.now() + 6;
      while (board.now() < end && !events.some((e) => e.type === 'device-event' && e.name === 'radio-loss')) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await session.close();
      running = false;
    }
    const gaps = events.filter((e): e is Extract<PipelineEvent, { type: 'gap' }> => e.type === 'gap' && e.reason.startsWith('frames lost'));
    expect(gaps.length, JSON.stringify(events.slice(0, 6))).toBeGreaterThanOrEqual(2);
    expect(Date.now() - t0).toBeGreaterThan(5000);
    expect(events.find((e) => e.type === 'device-event' && e.name === 'radio-loss'), JSON.stringify(events.slice(0, 6))).toMatchObject({ detail: { samplesPerFrame: 4 } });
  }, 120_000);
});

describe('a central with a 30 ms connection interval', () => {
  it('loses frames at 2 samples per frame; the session asks for 4 and the samples then arrive whole', async () => {
    const board = createBoard({ clock: 'virtual', loads: constantLoads([180, 170, 160, 190]), seed: 7, storage: simBoardStorage() });
    let running = true;
    // At most 4 times real time: the host's command timeouts run on its own clock (a board far
    // ahead of real time would see a lost answer's 2 s timeout as a minute of lost frames).
    const r0 = performance.now();
    const v0 = board.now();
    void (async () => {
      while (running) {
        if (board.now() - v0 < (4 * (performance.now() - r0)) / 1000) board.advance(0.00025);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const session = await openBoard({ kind: 'sim' }, { sim: { board, intervalMs: 30 } });
    const events: PipelineEvent[] = [];
    session.events$.subscribe((e) => events.push(e));
    const indices: number[] = [];
    session.samples$.subscribe((s) => indices.push(s.index));
    try {
      const end = board.now() + 25;
      while (board.now() < end) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await session.close();
      running = false;
    }
    const asked = events.find((e) => e.type === 'device-event' && e.name === 'radio-loss');
    expect(asked, `${indices.length} samples; ${JSON.stringify(events.slice(0, 6))}`).toBeDefined();
    expect(asked, JSON.stringify(asked)).toMatchObject({ detail: { samplesPerFrame: 4 } });
    expect(String((asked as unknown as { detail: { message: string } }).detail.message)).toMatch(/^frames were lost on the radio .* the board now sends 4 samples per frame/);
    // Before: gaps of lost frames. After the change (one KEY interval to settle): every sample.
    const gaps = events.filter((e): e is Extract<PipelineEvent, { type: 'gap' }> => e.type === 'gap');
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    const lastGapEnd = Math.max(...gaps.map((g) => g.fromIndex + g.count));
    const after = indices.filter((i) => i >= lastGapEnd);
    expect(after.length).toBeGreaterThan(80 * 5); // at least 5 s of the 25 arrived whole at the end
    for (let k = 1; k < after.length; k++) expect(after[k]).toBe(after[k - 1]! + 1);
  }, 240_000);
});
