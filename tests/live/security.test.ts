/**
 * The live server and hub against a hostile network and a careless user (issue 12): the token
 * beyond loopback, the Host allowlist, tare refused under load or during a trial unless confirmed
 * (and a trial ended by a tare not saved), per-page rate limits and merged broadcasts, and a
 * recording that stops on a write error shown on the page.
 */
import { request } from 'node:http';
import { BehaviorSubject, Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { hostNameOf, LiveAuth, machineHostNames, newToken, tokenProblem } from '../../host/live/auth.ts';
import type { SocketLike } from '../../host/live/client-channel.ts';
import { LiveHub, MERGE_MS, TARE_CONFIRM_LOAD_N, type LiveSource } from '../../host/live/hub.ts';
import type { ConnectionPhase, ServerMessage } from '../../host/live/messages.ts';
import { PAGE_MESSAGE_BURST, PAGE_MESSAGES_PER_S, RateLimiter } from '../../host/live/rate-limit.ts';
import { startLiveServer, type LiveServer } from '../../host/live/server.ts';
import { COUNTDOWN_S } from '../../host/live/trial-controller.ts';
import { DEFAULT_LAYOUT, type ForceSample, type PipelineEvent } from '../../host/pipeline/types.ts';
import { fakeAnalysis } from './fake-analysis.ts';

class FakeSocket implements SocketLike {
  bufferedAmount = 0;
  readyState = 1;
  sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  ofType<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.sent.map((s) => JSON.parse(s) as ServerMessage).filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }
}

function sample(index: number, total: number): ForceSample {
  const q = total / 4;
  return { index, t: index / 80, hostTimeMs: 0, raw: [0, 0, 0, 0], forces: [q, q, q, q], total, cop: total > 50 ? { x: -60, y: -5 } : null, flags: 0 };
}

function makeHub(): { hub: LiveHub; samples: Subject<ForceSample>; tares: () => number; recordingError: Subject<string> } {
  const samples = new Subject<ForceSample>();
  const recordingError = new Subject<string>();
  let tared = 0;
  const source: LiveSource = {
    label: 'test',
    layout: DEFAULT_LAYOUT,
    nominalRateHz: 80,
    samples$: samples,
    events$: new Subject<PipelineEvent>(),
    connection$: new BehaviorSubject<ConnectionPhase>('connected'),
    recording: 'session.tripod',
    recordingError$: recordingError,
    tare: async () => {
      tared++;
    },
  };
  const hub = new LiveHub(source, fakeAnalysis(), { setup: { foot: 'left', eyes: 'open', surface: 'firm', durationS: 5 } });
  hub.start();
  return { hub, samples, tares: () => tared, recordingError };
}

describe('tare from a page', () => {
  let h: ReturnType<typeof makeHub>;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'Date'] });
    h = makeHub();
  });
  afterEach(() => {
    h.hub.stop();
    vi.useRealTimers();
  });

  it('tares at once on an empty board', async () => {
    const s = new FakeSocket();
    const page = h.hub.attach(s);
    h.samples.next(sample(0, TARE_CONFIRM_LOAD_N - 5));
    page.onMessage(JSON.stringify({ type: 'tare' }));
    await vi.waitFor(() => expect(h.tares()).toBe(1));
    expect(s.ofType('confirm')).toHaveLength(0);
  });

  it('with someone on the board: asks, and tares only once confirmed', async () => {
    const s = new FakeSocket();
    const page = h.hub.attach(s);
    h.samples.next(sample(0, 705));
    page.onMessage(JSON.stringify({ type: 'tare' }));
    page.onMessage(JSON.stringify({ type: 'tare', confirmed: false }));
    await Promise.resolve();
    expect(h.tares()).toBe(0);
    expect(s.ofType('confirm').map((m) => m.text)).toEqual([
      'The board carries 705 N now. Tare zeroes it: only tare with nobody on the board. Tare anyway?',
      'The board carries 705 N now. Tare zeroes it: only tare with nobody on the board. Tare anyway?',
    ]);
    page.onMessage(JSON.stringify({ type: 'tare', confirmed: 'yes' }));
    expect(s.ofType('notice').at(-1)!.text).toBe('tare.confirmed must be a boolean');
    page.onMessage(JSON.stringify({ type: 'tare', confirmed: true }));
    await vi.waitFor(() => expect(h.tares()).toBe(1));
  });

  it('during a trial: asks; a confirmed tare ends the trial without saving a result', async () => {
    const s = new FakeSocket();
    const page = h.hub.attach(s);
    let i = 0;
    const feed = (n: number, total: number): void => {
      for (let k = 0; k < n; k++) h.samples.next(sample(i++, total));
    };
    feed(1, 0);
    page.onMessage(JSON.stringify({ type: 'start' }));
    feed(COUNTDOWN_S * 80 + 80, 700);
    expect(h.hub.snapshot().trial.phase).toBe('running');
    // the load is below the threshold now (someone stepping off), but the trial still runs
    feed(1, 10);
    page.onMessage(JSON.stringify({ type: 'tare' }));
    expect(s.ofType('confirm').at(-1)!.text).toMatch(/^A trial is under way: a tare ends it without a result\./);
    expect(h.hub.snapshot().trial.phase).toBe('running');
    page.onMessage(JSON.stringify({ type: 'tare', confirmed: true }));
    await vi.waitFor(() => expect(h.tares()).toBe(1));
    expect(h.hub.snapshot().trial).toMatchObject({ phase: 'done', note: 'Trial ended by a tare. No result was saved.' });
    feed(10 * 80, 700);
    expect(h.hub.results.list()).toHaveLength(0);
    expect(s.ofType('results').at(-1)!.trials).toHaveLength(0);
  });
});

describe('flooding pages', () => {
  let h: ReturnType<typeof makeHub>;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'Date', 'performance'] });
    h = makeHub();
  });
  afterEach(() => {
    h.hub.stop();
    vi.useRealTimers();
  });

  it('the rate limiter passes a burst, then the sustained rate, and counts the rest', () => {
    let now = 0;
    const r = new RateLimiter(20, 40, () => now);
    let passed = 0;
    for (let k = 0; k < 1000; k++) if (r.take()) passed++;
    expect(passed).toBe(40);
    now += 1000;
    for (let k = 0; k < 1000; k++) if (r.take()) passed++;
    expect(passed).toBe(60);
    expect(r.takeRefused()).toBe(1940);
    expect(r.takeRefused()).toBe(0);
    expect(r.refusedTotal).toBe(1940);
  });

  it('drops what a page sends over its limit, tells it once a second, and merges the broadcasts to 200 pages', () => {
    const pages = Array.from({ length: 200 }, () => new FakeSocket());
    const handlers = pages.map((p) => h.hub.attach(p));
    for (const p of pages) p.sent = [];
    const flooder = handlers[0]!;
    // 10 000 setup changes in one go: only the burst is even parsed; each page gets ONE geometry
    for (let k = 0; k < 10_000; k++) flooder.onMessage(JSON.stringify({ type: 'setup', setup: { foot: k % 2 ? 'right' : 'left', eyes: 'open', surface: 'firm', durationS: 5 } }));
    expect(pages[7]!.ofType('geometry')).toHaveLength(0);
    vi.advanceTimersByTime(MERGE_MS);
    for (const p of pages) expect(p.ofType('geometry')).toHaveLength(1);
    // the burst alternated left/right: the last one that went through (odd count) wins
    expect(pages[7]!.ofType('geometry')[0]!.geometry.foot).toBe(PAGE_MESSAGE_BURST % 2 ? 'left' : 'right');
    expect(pages[7]!.ofType('trial').length).toBeLessThanOrEqual(1);
    vi.advanceTimersByTime(1000);
    const notices = pages[0]!.ofType('notice');
    expect(notices.map((n) => n.text)).toEqual([`Too many messages from this page: ${10_000 - PAGE_MESSAGE_BURST} dropped (limit ${PAGE_MESSAGES_PER_S}/s).`]);
    expect(pages[1]!.ofType('notice')).toHaveLength(0);
    // the other pages' own commands still go through
    handlers[5]!.onMessage(JSON.stringify({ type: 'setup', setup: { foot: 'right', eyes: 'closed', surface: 'firm', durationS: 5 } }));
    vi.advanceTimersByTime(MERGE_MS);
    expect(pages[9]!.ofType('geometry').at(-1)!.geometry.foot).toBe('right');
    expect(h.hub.snapshot().trial.setup).toEqual({ foot: 'right', eyes: 'closed', surface: 'firm', durationS: 5 });
  });

  it('a recording stopped by a write error shows in the status and as a notice', () => {
    const s = new FakeSocket();
    h.hub.attach(s);
    expect(s.ofType('status').at(-1)).toMatchObject({ recording: 'session.tripod', recordingError: null });
    h.recordingError.next('cannot write session.tripod: the disk is full; recording stopped after 10 messages (1234 bytes, all intact)');
    expect(s.ofType('notice').at(-1)!.text).toBe('Recording stopped: cannot write session.tripod: the disk is full; recording stopped after 10 messages (1234 bytes, all intact)');
    expect(s.ofType('status').at(-1)!.recordingError).toMatch(/the disk is full/);
  });
});

describe('auth helpers', () => {
  it('tokens are random, 22 URL-safe characters; --token values are checked', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newToken()).not.toBe(a);
    expect(tokenProblem('short')).toMatch(/at least 16 characters/);
    expect(tokenProblem('has a space in it!!')).toMatch(/letters, digits/);
    expect(tokenProblem('clinic-room-2-tablet')).toBeNull();
  });

  it('Host header names: brackets and ports stripped; the machine list holds its addresses', () => {
    expect(hostNameOf('[::1]:7480')).toBe('::1');
    expect(hostNameOf('Example.COM:80')).toBe('example.com');
    const names = machineHostNames('0.0.0.0');
    expect(names.has('127.0.0.1')).toBe(true);
    expect(names.has('0.0.0.0')).toBe(false);
    expect(names.has('evil.example')).toBe(false);
  });

  it('loopback needs no token unless one is given', () => {
    const req = { url: '/', headers: { host: '127.0.0.1:7480' } } as never;
    expect(new LiveAuth('127.0.0.1', null, 7480).authorised(req)).toBe(true);
    expect(new LiveAuth('127.0.0.1', 'clinic-room-2-tablet', 7480).authorised(req)).toBe(false);
  });
});

/** Raw GET with any Host header (fetch does not let a test set Host). */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; cookie: string | null }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      const c = res.headers['set-cookie'];
      resolve({ status: res.statusCode ?? 0, cookie: c ? c[0]!.split(';')[0]! : null });
    });
    r.on('error', reject);
    r.end();
  });
}

function wsOutcome(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('the server on all interfaces', () => {
  let h: ReturnType<typeof makeHub>;
  let server: LiveServer;
  beforeEach(async () => {
    h = makeHub();
    server = await startLiveServer(h.hub, { host: '0.0.0.0', port: 0 });
  });
  afterEach(async () => {
    await server.close();
    h.hub.stop();
  });

  it('needs the token for the page, the assets, the results and the WebSocket', async () => {
    const { port, token } = server;
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(server.url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
    const host = { host: `127.0.0.1:${port}` };
    for (const path of ['/', '/index.html', '/results.json', '/results.csv', '/?token=wrong', `/?token=${token}x`]) {
      expect((await get(port, path, host)).status, path).toBe(401);
    }
    const page = await get(port, `/?token=${token}`, host);
    expect(page.status).toBe(200);
    expect(page.cookie).toBe(`tripod_token_${port}=${token}`);
    for (const path of ['/results.json', '/results.csv', '/']) expect((await get(port, path, { ...host, cookie: page.cookie! })).status, path).toBe(200);
    expect(await wsOutcome(`ws://127.0.0.1:${port}/ws`, {})).toBe(401);
    expect(await wsOutcome(`ws://127.0.0.1:${port}/ws?token=nope`, {})).toBe(401);
    expect(await wsOutcome(`ws://127.0.0.1:${port}/ws`, { cookie: page.cookie! })).toBe('open');
    expect(await wsOutcome(`ws://127.0.0.1:${port}/ws?token=${token}`, {})).toBe('open');
  });

  it('keeps the Host allowlist on: this machine\'s names and addresses only, even with the token', async () => {
    const { port, token } = server;
    const path = `/?token=${token}`;
    expect((await get(port, path, { host: `evil.example:${port}` })).status).toBe(421);
    expect((await get(port, path, { host: `127.0.0.1:${port + 1}` })).status).toBe(421);
    for (const name of machineHostNames('0.0.0.0')) {
      const h2 = name.includes(':') ? `[${name}]:${port}` : `${name}:${port}`;
      expect((await get(port, path, { host: h2 })).status, h2).toBe(200);
    }
    expect(await wsOutcome(`ws://127.0.0.1:${port}/ws?token=${token}`, { host: `evil.example:${port}` })).toBe(403);
    expect(await wsOutcome(`ws://127.0.0.1:${port}/ws?token=${token}`, { origin: 'http://evil.example' })).toBe(403);
  });
});

describe('the server on loopback', () => {
  it('stays tokenless, with the loopback Host check', async () => {
    const h = makeHub();
    const server = await startLiveServer(h.hub, { port: 0 });
    try {
      expect(server.token).toBeNull();
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
      expect((await get(server.port, '/', { host: `127.0.0.1:${server.port}` })).status).toBe(200);
      expect((await get(server.port, '/', { host: `attacker.example:${server.port}` })).status).toBe(421);
      expect(await wsOutcome(`ws://127.0.0.1:${server.port}/ws`, {})).toBe('open');
    } finally {
      await server.close();
      h.hub.stop();
    }
  });
});
