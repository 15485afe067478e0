/**
 * The live hub without a browser: page message validation, the per-client channel's dropping rules,
 * the rate meter, the trial sequence driven by page commands, the downloads and the terminal line.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientChannel, CONTROL_LIMIT_BYTES, FRAME_HIGH_WATER_BYTES, type SocketLike } from '../../host/live/client-channel.ts';
import { LiveHub, type LiveSource } from '../../host/live/hub.ts';
import { parseClientMessage, type ConnectionPhase, type ServerMessage } from '../../host/live/messages.ts';
import { StreamStats } from '../../host/live/stream-stats.ts';
import { colourise, formatStatusLine } from '../../host/live/terminal-view.ts';
import { batteryText } from '../../host/live/battery-text.ts';
import { COUNTDOWN_S } from '../../host/live/trial-controller.ts';
import { DEFAULT_LAYOUT, type ForceSample, type PipelineEvent } from '../../host/pipeline/types.ts';
import { fakeAnalysis } from './fake-analysis.ts';
import { scoringAnalysis } from '../../host/live/scoring-analysis.ts';
import { centreOfPressure } from '../../host/pipeline/cop.ts';
import { compareFeet } from '../../host/scoring/asymmetry.ts';
import type { TrialResult } from '../../host/scoring/trial.ts';
import { createSyntheticPerson, personLoadSource } from '../../host/sim/person.ts';

class FakeSocket implements SocketLike {
  bufferedAmount = 0;
  readyState = 1;
  sent: string[] = [];
  closed: { code?: number; reason?: string } | null = null;
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }
  messages(): ServerMessage[] {
    return this.sent.map((s) => JSON.parse(s) as ServerMessage);
  }
  ofType<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages().filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }
}

function sample(index: number, total = 700, rateHz = 80): ForceSample {
  const t = index / rateHz;
  const cop = total > 50 ? { x: -60, y: -5 } : null;
  const q = total / 4;
  return { index, t, hostTimeMs: 0, raw: [0, 0, 0, 0], forces: [q, q, q, q], total, cop, flags: 0 };
}

describe('parseClientMessage', () => {
  it('accepts the page commands and names what is wrong otherwise', () => {
    expect(parseClientMessage('{"type":"start"}')).toEqual({ type: 'start' });
    expect(parseClientMessage('{"type":"setup","setup":{"foot":"right","eyes":"closed","durationS":10}}')).toEqual({
      type: 'setup',
      setup: { foot: 'right', eyes: 'closed', surface: 'firm', durationS: 10 },
    });
    expect(parseClientMessage('{"type":"setup","setup":{"foot":"up","eyes":"open","durationS":10}}')).toMatch(/setup.foot must be 'left' or 'right', got "up"/);
    expect(parseClientMessage('{"type":"setup","setup":{"foot":"left","eyes":"open","durationS":0}}')).toMatch(/durationS must be .* 1..120, got 0/);
    expect(parseClientMessage('{"type":"reboot"}')).toBe('unknown message type "reboot"');
    expect(parseClientMessage('nope')).toBe('message is not JSON');
  });
});

describe('ClientChannel', () => {
  it('skips display frames for a hidden or backed-up page and never skips other messages', () => {
    const s = new FakeSocket();
    const ch = new ClientChannel(s);
    expect(ch.sendFrame('f1')).toBe(true);
    ch.hidden = true;
    expect(ch.sendFrame('f2')).toBe(false);
    ch.hidden = false;
    s.bufferedAmount = FRAME_HIGH_WATER_BYTES + 1;
    expect(ch.sendFrame('f3')).toBe(false);
    ch.send({ type: 'notice', level: 'info', text: 'kept' });
    expect(s.sent).toEqual(['f1', '{"type":"notice","level":"info","text":"kept"}']);
    expect(ch.droppedFrames).toBe(2);
    s.bufferedAmount = CONTROL_LIMIT_BYTES + 1;
    ch.send({ type: 'notice', level: 'info', text: 'too late' });
    expect(s.closed?.code).toBe(1013);
    expect(s.sent).toHaveLength(2);
  });
});

describe('StreamStats', () => {
  it('measures the rate over the last 2 s of device time and counts losses', () => {
    const st = new StreamStats();
    expect(st.rateHz()).toBeNull();
    for (let i = 0; i < 400; i++) st.addSample(i / 80);
    expect(st.rateHz()).toBeCloseTo(80, 9);
    // a 50 Hz stretch longer than the window: only it counts
    for (let i = 1; i <= 150; i++) st.addSample(399 / 80 + i / 50);
    expect(st.rateHz()).toBeCloseTo(50, 9);
    st.addEvent({ type: 'gap', fromIndex: 10, count: 7, reason: 'test' });
    // The board's OVERFLOW event names samples its index already skipped (they arrive as a gap):
    // not counted twice. Samples the host's own delivery queue dropped are.
    st.addEvent({ type: 'device-overflow', dropped: 7 });
    st.addEvent({ type: 'consumer-overflow', dropped: 3 });
    st.addEvent({ type: 'duplicate', index: 4, count: 2 });
    expect([st.samples, st.lost, st.duplicates]).toEqual([550, 10, 2]);
    // a new stream restarts device time: the window starts over instead of mixing two clocks
    st.addEvent({ type: 'stream-start', index: 0 });
    expect(st.rateHz()).toBeNull();
    for (let i = 0; i < 10; i++) st.addSample(i / 80);
    expect(st.rateHz()).toBeCloseTo(80, 9);
  });
});

describe('LiveHub', () => {
  let samples: Subject<ForceSample>;
  let events: Subject<PipelineEvent>;
  let connection: BehaviorSubject<ConnectionPhase>;
  let hub: LiveHub;
  let tared = 0;

  beforeEach(() => {
    vi.useFakeTimers();
    samples = new Subject();
    events = new Subject();
    connection = new BehaviorSubject<ConnectionPhase>('connected');
    const source: LiveSource = {
      label: 'test feed',
      layout: DEFAULT_LAYOUT,
      nominalRateHz: 80,
      samples$: samples,
      events$: events,
      connection$: connection,
      tare: async () => {
        tared++;
      },
    };
    hub = new LiveHub(source, fakeAnalysis(), { setup: { foot: 'left', eyes: 'open', surface: 'firm', durationS: 2 } });
    hub.start();
  });
  afterEach(() => {
    hub.stop();
    vi.useRealTimers();
  });

  it('greets a page with the whole picture, then streams frames in order', () => {
    const s = new FakeSocket();
    hub.attach(s);
    expect(s.messages().map((m) => m.type)).toEqual(['hello', 'status', 'trial', 'results']);
    const hello = s.ofType('hello')[0]!;
    expect(hello.geometry.foot).toBe('left');
    for (let i = 0; i < 10; i++) samples.next(sample(i));
    vi.advanceTimersByTime(40);
    for (let i = 10; i < 13; i++) samples.next(sample(i));
    vi.advanceTimersByTime(40);
    const frames = s.ofType('frame');
    expect(frames.map((f) => [f.first, f.t.length])).toEqual([
      [0, 10],
      [10, 3],
    ]);
    expect(frames[1]!.total).toEqual([700, 700, 700]);
    expect(frames[1]!.live?.shares).not.toBeNull();
  });

  it('runs a trial from page commands on the host; a backed-up page misses frames but not the result', () => {
    const fast = new FakeSocket();
    const slow = new FakeSocket();
    const fastH = hub.attach(fast);
    hub.attach(slow);
    slow.bufferedAmount = FRAME_HIGH_WATER_BYTES * 2;
    fastH.onMessage(JSON.stringify({ type: 'start' }));
    let i = 0;
    const feed = (n: number, total = 700): void => {
      for (let k = 0; k < n; k++) samples.next(sample(i++, total));
      vi.advanceTimersByTime(40);
    };
    feed(1);
    expect(hub.snapshot().trial.phase).toBe('countdown');
    feed(Math.round(COUNTDOWN_S * 80));
    expect(hub.snapshot().trial.phase).toBe('running');
    fastH.onMessage(JSON.stringify({ type: 'setup', setup: { foot: 'right', eyes: 'open', surface: 'firm', durationS: 5 } }));
    expect(fast.ofType('notice').at(-1)?.text).toMatch(/cannot change the setup during a trial/);
    feed(2 * 80 + 5);
    expect(hub.snapshot().trial.phase).toBe('done');
    for (const s of [fast, slow]) {
      const res = s.ofType('results').at(-1)!;
      expect(res.trials).toHaveLength(1);
      expect(res.trials[0]!.rows.find((r) => r.key === 'samples')!.value).toBe(160);
    }
    expect(slow.ofType('frame')).toHaveLength(0);
    expect(fast.ofType('frame').reduce((n, f) => n + f.t.length, 0)).toBe(i);
    const csv = hub.results.toCsv().split('\r\n');
    expect(csv[0]).toBe('trial,foot,eyes,surface,duration_set_s,ended_at,from_index,to_index,held_s_s,mean_total_n_N,samples');
    expect(csv[1]).toMatch(/^1,left,open,firm,2,\d{4}-\d\d-\d\dT[^,]+,240,\d+,2,700,160$/);
    expect(JSON.parse(hub.results.toJson()).trials[0].result).toEqual({ heldS: 2, meanTotalN: 700, n: 160 });
  });

  it('stop cancels a countdown, and ends a running trial with its result so far', () => {
    const s = new FakeSocket();
    const h = hub.attach(s);
    let i = 0;
    const feed = (n: number): void => {
      for (let k = 0; k < n; k++) samples.next(sample(i++));
    };
    h.onMessage(JSON.stringify({ type: 'setup', setup: { foot: 'left', eyes: 'closed', surface: 'firm', durationS: 30 } }));
    h.onMessage(JSON.stringify({ type: 'start' }));
    feed(40);
    h.onMessage(JSON.stringify({ type: 'stop' }));
    expect(hub.snapshot().trial).toMatchObject({ phase: 'idle', note: 'Countdown cancelled.' });
    feed(COUNTDOWN_S * 80 + 10);
    expect(hub.snapshot().trial.phase).toBe('idle');
    h.onMessage(JSON.stringify({ type: 'start' }));
    feed(COUNTDOWN_S * 80 + 1 + 80);
    expect(hub.snapshot().trial.phase).toBe('running');
    h.onMessage(JSON.stringify({ type: 'stop' }));
    expect(hub.snapshot().trial).toMatchObject({ phase: 'done', note: 'Stopped by the therapist.' });
    const t = hub.results.list();
    expect(t).toHaveLength(1);
    expect(t[0]!.setup).toEqual({ foot: 'left', eyes: 'closed', surface: 'firm', durationS: 30 });
    // armed on the first sample 3 s after the last one before Start (which starts the fake trial);
    // the 81 samples after it are counted
    expect(t[0]!.result).toEqual({ heldS: 81 / 80, meanTotalN: 700, n: 81 });
    expect(t[0]!.toIndex - t[0]!.fromIndex + 1).toBe(82);
  });

  it('compares left and right once both feet are done, and tares on request', async () => {
    const s = new FakeSocket();
    const h = hub.attach(s);
    let i = 0;
    for (const foot of ['left', 'right'] as const) {
      h.onMessage(JSON.stringify({ type: 'setup', setup: { foot, eyes: 'open', surface: 'firm', durationS: 1 } }));
      h.onMessage(JSON.stringify({ type: 'start' }));
      for (let k = 0; k < 5 * 80; k++) samples.next(sample(i++));
    }
    const res = s.ofType('results').at(-1)!;
    expect(res.trials.map((t) => t.setup.foot)).toEqual(['left', 'right']);
    expect(res.comparisons).toHaveLength(1);
    expect(res.comparisons[0]!.rows[0]!.asymmetryPct).toBe(0);
    // 700 N on the board: the host asks first, and tares once the page says the user confirmed
    h.onMessage(JSON.stringify({ type: 'tare' }));
    expect(s.ofType('confirm').at(-1)?.text).toMatch(/^The board carries 700 N now\. Tare zeroes it/);
    expect(tared).toBe(0);
    h.onMessage(JSON.stringify({ type: 'tare', confirmed: true }));
    await vi.waitFor(() => expect(tared).toBe(1));
    await Promise.resolve();
    expect(s.ofType('notice').at(-1)?.text).toMatch(/Tared/);
  });

  it('reports losses and the connection state in the status and the terminal line', () => {
    const s = new FakeSocket();
    hub.attach(s);
    for (let i = 0; i < 200; i++) samples.next(sample(i));
    events.next({ type: 'gap', fromIndex: 200, count: 12, reason: 'link lost' });
    connection.next('reconnecting');
    const st = s.ofType('status').at(-1)!;
    expect(st).toMatchObject({ connection: 'reconnecting', lost: 12, samples: 200, rateHz: 80 });
    const line = formatStatusLine(hub.snapshot());
    expect(line).toMatch(/^RECONNECTING \| 80\.0 Hz \| lost 12 \| total {2}700\.0 N \| CoP {2}-60\.0 {3}-5\.0 mm \| heel/);
    expect(line).toMatch(/score +\d+ \| zone \d+%/);
    expect(colourise(line)).toMatch(/^\x1b\[31;1mRECONNECTING\x1b\[0m \| .*\x1b\[1m"[^"]+"\x1b\[0m$/);
    expect(colourise('connected | 80.0 Hz')).toBe('\x1b[32mconnected\x1b[0m | 80.0 Hz');
  });
  it("shows the board's notices (radio loss, frame format) to open pages and to pages that open later", () => {
    const early = new FakeSocket();
    hub.attach(early);
    events.next({ type: 'device-event', name: 'radio-loss', detail: { message: 'frames are being lost on the radio and the board could not be asked for larger frames: no key' } });
    events.next({ type: 'device-event', name: 'radio-loss', detail: { samplesPerFrame: 4, message: 'frames were lost on the radio: the board now sends 4 samples per frame' } });
    events.next({ type: 'device-event', name: 'battery-low', detail: { message: 'not a live notice' } });
    events.next({ type: 'gap', fromIndex: 0, count: 3, reason: 'frames lost' });
    const want = [
      { type: 'notice', level: 'error', text: 'Frames are being lost on the radio and the board could not be asked for larger frames: no key.' },
      { type: 'notice', level: 'info', text: 'Frames were lost on the radio: the board now sends 4 samples per frame.' },
    ];
    expect(early.ofType('notice')).toEqual(want);
    const late = new FakeSocket();
    hub.attach(late);
    expect(late.ofType('notice')).toEqual(want);
    expect(late.messages().map((m) => m.type)).toEqual(['hello', 'status', 'trial', 'results', 'notice', 'notice']);
  });
});

describe('battery in the status and the terminal line', () => {
  it('shows the percentage where the board knows it, else the voltage (MDBT42Q), else nothing', () => {
    expect(batteryText(87, 3010)).toBe('87 %');
    expect(batteryText(null, 3300)).toBe('3.30 V');
    expect(batteryText(null, null)).toBe('—');
    const battery$ = new BehaviorSubject<number | null>(null);
    const batteryMv$ = new BehaviorSubject<number | null>(3300);
    const hub = new LiveHub(
      { label: 't', layout: DEFAULT_LAYOUT, nominalRateHz: 80, samples$: new Subject(), events$: new Subject(), connection$: new BehaviorSubject<ConnectionPhase>('connected'), battery$, batteryMv$, tare: async () => {} },
      fakeAnalysis(),
    );
    hub.start();
    expect(hub.snapshot().status).toMatchObject({ batteryPct: null, batteryMv: 3300 });
    expect(formatStatusLine(hub.snapshot())).toMatch(/^connected \| --\.- Hz \| lost 0 \| battery 3\.30 V \| total/);
    battery$.next(64);
    expect(formatStatusLine(hub.snapshot())).toMatch(/ \| battery 64 % \| /);
    battery$.next(null);
    batteryMv$.next(null);
    expect(formatStatusLine(hub.snapshot())).not.toMatch(/battery/);
    hub.stop();
  });
});

describe('LiveHub with the project scoring', () => {
  it('runs a left and a right trial of the synthetic person and compares them as the scoring does', () => {
    vi.useFakeTimers();
    const samples = new Subject<ForceSample>();
    const hub = new LiveHub(
      { label: 't', layout: DEFAULT_LAYOUT, nominalRateHz: 80, samples$: samples, events$: new Subject(), connection$: new BehaviorSubject<ConnectionPhase>('connected'), tare: async () => {} },
      scoringAnalysis(),
      { setup: { foot: 'left', eyes: 'open', surface: 'firm', durationS: 6 } },
    );
    hub.start();
    const s = new FakeSocket();
    const h = hub.attach(s);
    let index = 0;
    let t = 0;
    for (const foot of ['left', 'right'] as const) {
      h.onMessage(JSON.stringify({ type: 'setup', setup: { foot, eyes: 'open', surface: 'firm', durationS: 6 } }));
      const person = createSyntheticPerson({ foot, seed: foot === 'left' ? 11 : 12, stepOnS: t + 0.2 });
      const load = personLoadSource(person, DEFAULT_LAYOUT);
      h.onMessage(JSON.stringify({ type: 'start' }));
      for (let k = 0; k < 80 * 16; k++, index++, t = index / 80) {
        const forces = load(t);
        const total = forces[0] + forces[1] + forces[2] + forces[3];
        samples.next({ index, t, hostTimeMs: 0, raw: [0, 0, 0, 0], forces, total, cop: centreOfPressure(forces, DEFAULT_LAYOUT.cells), flags: 0 });
      }
      expect(hub.snapshot().trial.phase, `${foot} trial ended`).toBe('done');
    }
    const trials = hub.results.list();
    expect(trials.map((x) => [x.setup.foot, (x.result as TrialResult).endReason])).toEqual([
      ['left', 'duration'],
      ['right', 'duration'],
    ]);
    const cmp = s.ofType('results').at(-1)!.comparisons;
    expect(cmp).toHaveLength(1);
    expect(cmp[0]!.rows).toEqual(compareFeet(trials[0]!.result as TrialResult, trials[1]!.result as TrialResult));
    const held = cmp[0]!.rows.find((r) => r.key === 'timeHeldS')!;
    expect(held.left).toBeCloseTo(6, 9);
    expect(held.right).toBeCloseTo(6, 9);
    expect(held.asymmetryPct).toBeCloseTo(0, 9);
    hub.stop();
    vi.useRealTimers();
  });
});

