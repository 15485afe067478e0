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
});

describe('a central with a 30 ms connection interval', () => {
  it('loses frames at 2 samples per frame; the session asks for 4 and the samples then arrive whole', async () => {
    const board = createBoard({ clock: 'virtual', loads: constantLoads([180, 170, 160, 190]), seed: 7, storage: simBoardStorage() });
    let running = true;
    void (async () => {
      while (running) {
        board.advance(0.00025);
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
