/** The page's playout clock: smooth display time from bursty arrivals, at any replay pace. */
import { describe, expect, it } from 'vitest';
import { PlayoutClock } from '../../host/live/page/playout.ts';

/** Feeds 80 Hz samples in bursts of `burst` every burst/80 s of board time, at `pace` x real time,
 *  ticking the clock at 60 Hz; returns the display times and the newest time at each tick. */
function run(pace: number, seconds: number, burst = 4): Array<{ wallMs: number; shown: number; newest: number }> {
  const clock = new PlayoutClock();
  const out: Array<{ wallMs: number; shown: number; newest: number }> = [];
  const burstWallMs = (1000 * burst) / 80 / pace;
  let nextBurstMs = 0;
  let sent = 0;
  let newest = NaN;
  for (let wallMs = 0; wallMs < seconds * 1000; wallMs += 1000 / 60) {
    while (nextBurstMs <= wallMs) {
      sent += burst;
      newest = (sent - 1) / 80;
      clock.arrive(newest, nextBurstMs);
      nextBurstMs += burstWallMs;
    }
    out.push({ wallMs, shown: clock.tick(wallMs), newest });
  }
  return out;
}

describe('PlayoutClock', () => {
  it('moves every frame at the live pace, never past the newest sample, about 0.12 s behind it', () => {
    const ticks = run(1, 10).slice(60 * 3); // after 3 s of settling
    for (let i = 1; i < ticks.length; i++) {
      const step = ticks[i]!.shown - ticks[i - 1]!.shown;
      expect(step).toBeGreaterThan(0); // moves on every animation frame
      expect(step).toBeLessThan(1.5 / 60 + 1e-9);
      expect(ticks[i]!.shown).toBeLessThanOrEqual(ticks[i]!.newest);
    }
    const lags = ticks.map((t) => t.newest - t.shown);
    const mean = lags.reduce((a, b) => a + b, 0) / lags.length;
    expect(mean).toBeGreaterThan(0.06);
    expect(mean).toBeLessThan(0.2);
  });

  it('follows a 20x replay at its pace', () => {
    const ticks = run(20, 5).slice(60 * 2);
    const first = ticks[0]!;
    const last = ticks[ticks.length - 1]!;
    const pace = (last.shown - first.shown) / ((last.wallMs - first.wallMs) / 1000);
    expect(pace).toBeGreaterThan(18);
    expect(pace).toBeLessThan(22);
  });

  it('stops at the newest sample when data stops, and starts over when the stream restarts', () => {
    const clock = new PlayoutClock();
    for (let i = 0; i <= 200; i++) {
      clock.arrive(i * 0.05, i * 50);
      clock.tick(i * 50);
    }
    let shown = NaN;
    for (let ms = 10_000; ms < 13_000; ms += 16) shown = clock.tick(ms);
    expect(shown).toBe(10);
    clock.arrive(0.05, 13_050); // new stream: device time restarted
    expect(clock.tick(13_060)).toBeLessThan(0.05);
  });
});
