import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ProgressBar } from '../../host/cli/progress.ts';

function tty(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const w = new Writable({ write(c, _e, cb) { text += String(c); cb(); } }) as Writable & { isTTY: boolean };
  w.isTTY = true;
  return { stream: w, text: () => text };
}

describe('progress bar', () => {
  it('draws on a terminal after the delay, redraws in place, and clears', async () => {
    const t = tty();
    const bar = new ProgressBar(t.stream, { label: 'recording', total: 10, unit: 's', delayMs: 0 });
    bar.update(5, '400 samples');
    expect(t.text()).toBe('\r' + 'recording [###############---------------] 50% 5/10 s 400 samples\x1b[K');
    bar.done();
    expect(t.text().endsWith('\r\x1b[K')).toBe(true);
  });

  it('stays silent on a pipe and before the delay', () => {
    let text = '';
    const pipe = new Writable({ write(c, _e, cb) { text += String(c); cb(); } });
    new ProgressBar(pipe, { label: 'x', total: 1, delayMs: 0 }).update(1);
    const t = tty();
    new ProgressBar(t.stream, { label: 'x', total: 1, delayMs: 60_000 }).update(1);
    expect(text + t.text()).toBe('');
  });

  it('shows a count when the total is unknown', () => {
    const bar = new ProgressBar(tty().stream, { label: 'replaying', total: null, unit: 'samples' });
    expect(bar.render(1234, '')).toBe('replaying 1234 samples');
  });
});
