/**
 * The live page: one WebSocket to the host, ring buffers fed by display frames, and one render per
 * animation frame (one setData per chart, one plate redraw). All trial logic runs on the host: the
 * buttons send commands, the panels show what the host says.
 */
import { GOOD_SCORE } from '../messages.ts';
import type {
  ClientMessage,
  Eyes,
  Foot,
  ResultsMessage,
  Surface,
  FrameMessage,
  HelloMessage,
  LiveScoreView,
  ServerMessage,
  StatusMessage,
  TrialSetup,
  TrialStateMessage,
} from '../messages.ts';
import { batteryText } from '../battery-text.ts';
import { ForceCharts } from './charts.ts';
import { PlateView } from './plate.ts';
import { renderResults } from './results-view.ts';
import { PlayoutClock } from './playout.ts';
import { ColumnRing } from './ring.ts';
import { initClinic, onClinicMessage, resizeClinic } from './clinic.ts';

/** Seconds of CoP trace drawn on the plate. */
const TRACE_S = 3;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};

const connectionLog: string[] = [];
/** Frames whose cue said "good" beside a score below the good band (must stay 0). */
let goodBelowBand = 0;
let draws = 0;
let drawMsTotal = 0;
let drawMsMax = 0;

interface PageState {
  hello: HelloMessage | null;
  ring: ColumnRing | null;
  trace: ColumnRing | null;
  charts: ForceCharts | null;
  plate: PlateView;
  live: LiveScoreView | null;
  trial: TrialStateMessage | null;
  dirty: boolean;
  clock: PlayoutClock;
  shownT: number;
  lastIndex: number;
  socket: WebSocket | null;
  hostUp: boolean;
  boardPhase: StatusMessage['connection'];
  frames: number;
}

const state: PageState = {
  hello: null,
  ring: null,
  trace: null,
  charts: null,
  plate: new PlateView($<HTMLCanvasElement>('plate')),
  live: null,
  trial: null,
  dirty: false,
  clock: new PlayoutClock(),
  shownT: NaN,
  lastIndex: -1,
  socket: null,
  hostUp: false,
  boardPhase: 'connecting',
  frames: 0,
};
/** For tests and the curious: counts of what the page received and drew. */
(globalThis as unknown as { tripodLive: unknown }).tripodLive = {
  get frames() {
    return state.frames;
  },
  get samples() {
    return state.ring?.length ?? 0;
  },
  get lastIndex() {
    return state.lastIndex;
  },
  /** Renders that drew something, and the time they took (ms, total and worst). */
  get draws() {
    return draws;
  },
  get drawMsTotal() {
    return drawMsTotal;
  },
  get drawMsMax() {
    return drawMsMax;
  },
  /** Drawn target zone area and CoP dot radius, CSS px. */
  get plate() {
    return { zoneAreaPx: state.plate.zoneAreaPx, dotRadiusPx: state.plate.dotRadiusPx };
  },
  /** The last board connection phases seen, oldest first (at most 20). */
  connectionLog,
};

function send(msg: ClientMessage): void {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(msg));
}

// ---- connection to the host --------------------------------------------------------------------

let retryMs = 500;
function connect(): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  state.socket = ws;
  ws.onopen = () => {
    retryMs = 500;
    state.hostUp = true;
    send({ type: 'visibility', hidden: document.hidden });
    renderConnection();
  };
  ws.onmessage = (ev) => onMessage(JSON.parse(String(ev.data)) as ServerMessage);
  ws.onclose = () => {
    state.hostUp = false;
    state.socket = null;
    renderConnection();
    setTimeout(connect, retryMs);
    retryMs = Math.min(5000, retryMs * 2);
  };
}

function onMessage(msg: ServerMessage): void {
  switch (msg.type) {
    case 'hello':
      onHello(msg);
      break;
    case 'geometry':
      state.plate.setGeometry(msg.geometry);
      $('plate-foot').textContent = `${msg.geometry.foot} foot`;
      state.dirty = true;
      break;
    case 'frame':
      onFrame(msg);
      break;
    case 'status':
      renderStatus(msg);
      break;
    case 'trial':
      renderTrial(msg);
      break;
    case 'results':
      lastResults = msg;
      renderResults($('result'), $('comparison'), $('history'), msg);
      state.dirty = true;
      break;
    case 'clinic':
      void onClinicMessage(msg);
      break;
    case 'notice':
      toast(msg.text, msg.level);
      break;
    case 'confirm':
      if (msg.action === 'tare' && confirm(msg.text)) send({ type: 'tare', confirmed: true });
      break;
  }
}

function onHello(h: HelloMessage): void {
  state.hello = h;
  // ring sized for the chart window at twice the nominal rate (real boards jitter above nominal)
  const cap = Math.ceil(h.windowS * h.nominalRateHz * 2);
  state.ring = new ColumnRing(6, cap);
  state.trace = new ColumnRing(3, Math.ceil(TRACE_S * h.nominalRateHz * 2));
  state.plate.setLayout(h.layout);
  state.plate.setGeometry(h.geometry);
  $('plate-foot').textContent = `${h.geometry.foot} foot`;
  $('win-s').textContent = String(h.windowS);
  if (!state.charts) {
    state.charts = new ForceCharts($('chart-cells'), $('chart-total'), h.windowS, h.cellForceMaxN, h.totalForceMaxN);
  }
  renderSetup(h.setup, false);
  state.dirty = true;
}

const row = new Float64Array(6);
const trow = new Float64Array(3);
function onFrame(f: FrameMessage): void {
  const ring = state.ring;
  const trace = state.trace;
  if (!ring || !trace) return;
  const n = f.t.length;
  // a new stream (board restarted its device clock): the old samples no longer line up
  if (n > 0 && ring.length > 0 && f.t[0]! < ring.last(0)) {
    ring.clear();
    trace.clear();
  }
  for (let i = 0; i < n; i++) {
    row[0] = f.t[i]!;
    row[1] = f.f0[i]!;
    row[2] = f.f1[i]!;
    row[3] = f.f2[i]!;
    row[4] = f.f3[i]!;
    row[5] = f.total[i]!;
    ring.push(row);
    trow[0] = f.t[i]!;
    trow[1] = f.cx[i] ?? NaN;
    trow[2] = f.cy[i] ?? NaN;
    trace.push(trow);
  }
  if (n > 0) {
    state.lastIndex = f.first + n - 1;
    state.clock.arrive(f.t[n - 1]!, performance.now());
  }
  if (f.live) {
    state.live = f.live;
    const last = cueLog[cueLog.length - 1];
    if (n > 0 && (!last || last.cue !== f.live.cue)) {
      cueLog.push({ t: Number.isFinite(f.live.cueSince) ? f.live.cueSince : f.t[n - 1]!, cue: f.live.cue, kind: f.live.cueKind, score: f.live.rollingScore });
      if (cueLog.length > CUE_LOG_MAX) cueLog.shift();
    }
    if (f.live.cueKind === 'good' && (f.live.rollingScore === null || f.live.rollingScore < GOOD_SCORE)) goodBelowBand++;
  }
  state.frames++;
  state.dirty = true;
}

// ---- rendering, once per animation frame ------------------------------------------------------

function render(now: number): void {
  requestAnimationFrame(render);
  if (!state.ring || !state.trace) return;
  const shownT = state.clock.tick(now);
  if (shownT === state.shownT && !state.dirty) return;
  state.shownT = shownT;
  state.dirty = false;
  const t0 = performance.now();
  state.charts?.update(state.ring.ordered(), shownT);
  state.plate.draw(state.trace, TRACE_S, state.ring, shownT, state.live);
  renderLive(state.live);
  const ms = performance.now() - t0;
  draws++;
  drawMsTotal += ms;
  if (ms > drawMsMax) drawMsMax = ms;
}

const scoreEl = $('score');
const inzoneEl = $('inzone');
const inzoneCap = $('inzone-cap');
const cueEl = $('cue');
const shareEls = Array.from(document.querySelectorAll<HTMLElement>('.share'));
let lastResults: ResultsMessage | null = null;
let lastInZoneCap = '';
let lastCue = '';
/**
 * The last CUE_LOG_MAX cue changes the host sent (device time at which the host's cue governor
 * changed it, s), for the tests: two minutes at the governor's pace of at most one a second, enough
 * for a test's window. It kept 500: the one structure a heap snapshot showed growing over 10
 * minutes of board time at 20x (each change holds its own copy of the cue text).
 */
const CUE_LOG_MAX = 120;
const cueLog: Array<{ t: number; cue: string; kind: string; score: number | null }> = [];
(globalThis as unknown as { tripodCue: unknown }).tripodCue = {
  log: cueLog,
  get goodBelowBand() {
    return goodBelowBand;
  },
};

/** The finished trial's time in zone, as the table shows it, while the page shows that trial. */
function trialInZone(): { text: string; id: number } | null {
  if (state.trial?.phase !== 'done' || !lastResults) return null;
  const t = lastResults.trials[lastResults.trials.length - 1];
  const row = t?.rows.find((r) => r.key === 'inZonePct');
  return t && row ? { text: row.text, id: t.id } : null;
}

function renderLive(l: LiveScoreView | null): void {
  const score = l?.rollingScore ?? null;
  setText(scoreEl, score === null ? '—' : String(Math.round(score)));
  (scoreEl.parentElement as HTMLElement).dataset.level = score === null ? 'none' : score >= GOOD_SCORE ? 'high' : score >= GOOD_SCORE / 2 ? 'mid' : 'low';
  const done = trialInZone();
  setText(inzoneEl, done ? done.text : l ? String(Math.round(l.inZonePct)) : '—');
  const cap = done ? `Time in zone <small>trial ${done.id}, as in the table</small>` : 'Time in zone <small>this trial</small>';
  if (cap !== lastInZoneCap) {
    inzoneCap.innerHTML = cap;
    lastInZoneCap = cap;
  }
  const cue = l ? l.cue : 'Step onto the board';
  if (cue !== lastCue) {
    cueEl.textContent = cue;
    lastCue = cue;
  }
  cueEl.dataset.kind = l ? l.cueKind : 'step-on';
  cueEl.dataset.inZone = !l || l.cueGood === null ? 'none' : String(l.cueGood);
  // shares outside 0..1 mean the CoP is outside the tripod triangle: say so instead of a number
  const rs = l?.rollingShares ?? null;
  const outside = rs !== null && (['heel', 'mt1', 'mt5'] as const).some((k) => rs[k] < 0 || rs[k] > 1);
  for (const el of shareEls) {
    const part = el.dataset.part as 'heel' | 'mt1' | 'mt5';
    const v = rs && !outside ? rs[part] : null;
    const target = l ? l.targetShares[part] : null;
    const fill = el.querySelector<HTMLElement>('.share-fill')!;
    const band = el.querySelector<HTMLElement>('.share-band')!;
    const val = el.querySelector<HTMLElement>('.share-val')!;
    fill.style.width = v === null ? '0%' : `${Math.max(0, Math.min(1, v)) * 100}%`;
    if (target !== null && l) {
      band.style.left = `${Math.max(0, target - l.tolerance) * 100}%`;
      band.style.width = `${Math.min(1, 2 * l.tolerance) * 100}%`;
    }
    el.dataset.ok = String(v !== null && target !== null && l !== null && Math.abs(v - target) <= l.tolerance);
    el.dataset.outside = String(outside);
    setText(val, outside ? 'outside' : v === null ? '—' : `${Math.round(v * 100)}%`);
  }
  $('shares').dataset.outside = String(outside);
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

// ---- status, trial, controls ---------------------------------------------------------------------

const CONNECTION_TEXT: Record<StatusMessage['connection'], string> = {
  connecting: 'Connecting to the board…',
  connected: 'Board connected',
  reconnecting: 'Board lost — reconnecting…',
  disconnected: 'Board disconnected',
  closed: 'Board closed',
};

/** A board outage stays on screen at least this long, then "reconnected" shows for as long, ms. */
const BANNER_MIN_MS = 2500;
let bannerShownAt = 0;
let bannerTimer: ReturnType<typeof setTimeout> | undefined;

function renderConnection(): void {
  const conn = $('conn');
  const banner = $('banner');
  clearTimeout(bannerTimer);
  if (!state.hostUp) {
    conn.dataset.state = 'host-lost';
    setText($('conn-text'), 'Host not reachable');
    showBanner('bad', 'The tripod host stopped answering. Retrying…');
    return;
  }
  conn.dataset.state = state.boardPhase;
  setText($('conn-text'), CONNECTION_TEXT[state.boardPhase]);
  const bad = state.boardPhase !== 'connected' && state.boardPhase !== 'connecting';
  if (bad) {
    showBanner('bad', `${CONNECTION_TEXT[state.boardPhase]}. Recording resumes when it is back.`);
    return;
  }
  if (banner.hidden) return;
  // back: keep the outage readable for a moment, then say it is over, then clear
  const wait = Math.max(0, bannerShownAt + BANNER_MIN_MS - Date.now());
  bannerTimer = setTimeout(() => {
    showBanner('ok', 'Board reconnected.');
    bannerTimer = setTimeout(() => (banner.hidden = true), BANNER_MIN_MS);
  }, wait);
}

function showBanner(kind: 'bad' | 'ok', text: string): void {
  const banner = $('banner');
  if (banner.hidden || banner.dataset.kind !== kind) bannerShownAt = Date.now();
  banner.dataset.kind = kind;
  setText(banner, text);
  banner.hidden = false;
}

function renderStatus(s: StatusMessage): void {
  if (s.connection !== state.boardPhase || connectionLog.length === 0) {
    connectionLog.push(s.connection);
    if (connectionLog.length > 20) connectionLog.shift();
    state.boardPhase = s.connection;
    renderConnection();
  }
  setText($('st-source'), s.source);
  setText($('st-rate'), s.rateHz === null ? '—' : s.rateHz.toFixed(1));
  const lost = $('st-lost');
  setText(lost, String(s.lost));
  lost.classList.toggle('bad', s.lost > 0);
  setText($('st-battery'), batteryText(s.batteryPct, s.batteryMv));
  setText($('st-dropped'), `${s.droppedFrames} skipped`);
  $('rec').hidden = s.recording === null;
  $('rec').classList.toggle('rec-stopped', s.recordingError !== null);
  setText($('rec-file'), s.recordingError === null ? (s.recording ?? '') : `stopped: ${s.recordingError}`);
}

let currentSetup: TrialSetup = { foot: 'left', eyes: 'open', surface: 'firm', durationS: 20 };
function renderSetup(setup: TrialSetup, locked: boolean): void {
  currentSetup = setup;
  for (const [group, value] of [
    ['foot', setup.foot],
    ['eyes', setup.eyes],
    ['surface', setup.surface],
  ] as const) {
    for (const b of Array.from($(group).querySelectorAll<HTMLButtonElement>('button'))) {
      b.setAttribute('aria-checked', String(b.dataset.value === value));
      b.disabled = locked;
    }
  }
  const dur = $<HTMLInputElement>('duration');
  if (document.activeElement !== dur) dur.value = String(setup.durationS);
  dur.disabled = locked;
}

function renderTrial(t: TrialStateMessage): void {
  state.trial = t;
  const active = t.phase === 'countdown' || t.phase === 'waiting' || t.phase === 'running';
  renderSetup(t.setup, active);
  $<HTMLButtonElement>('start').disabled = active;
  $<HTMLButtonElement>('stop').disabled = !active;
  $<HTMLButtonElement>('tare').disabled = active;
  const box = $('trial-state');
  box.dataset.phase = t.phase;
  const clock =
    t.phase === 'running' && t.elapsedS !== null
      ? `${t.elapsedS.toFixed(1)} / ${t.setup.durationS} s`
      : t.phase === 'countdown'
        ? `${Math.ceil(t.countdownS ?? 0)}`
        : t.phase === 'waiting'
          ? 'Waiting…'
          : t.phase === 'done'
            ? 'Done'
            : 'Ready';
  setText($('trial-clock'), clock);
  $('trial-progress').style.width = t.phase === 'running' && t.elapsedS !== null ? `${Math.min(100, (100 * t.elapsedS) / t.setup.durationS)}%` : '0%';
  setText($('trial-note'), t.note);
  $('touchdowns').innerHTML = t.touchdowns
    .map((m, i) => `<li data-t="${m.t}">Touch-down ${i + 1} · ${m.trialS.toFixed(1)} s${m.durationS === null ? '' : ` (${m.durationS.toFixed(2)} s)`}</li>`)
    .join('');
  state.charts?.setMarks({ startT: t.startT, touchdowns: t.touchdowns.map((m) => m.t) });
  const overlay = $('countdown');
  overlay.hidden = t.phase !== 'countdown';
  if (t.phase === 'countdown') {
    setText($('countdown-n'), String(Math.max(1, Math.ceil(t.countdownS ?? 0))));
    setText($('countdown-cap'), `${t.setup.foot === 'left' ? 'Left' : 'Right'} foot · eyes ${t.setup.eyes}`);
  }
  state.dirty = true;
}

function sendSetup(patch: Partial<TrialSetup>): void {
  // kept here at once: a second click before the host's answer must not undo the first (the host's
  // trial state, which follows, sets it back if the host refused)
  currentSetup = { ...currentSetup, ...patch };
  send({ type: 'setup', setup: currentSetup });
}

for (const b of Array.from($('foot').querySelectorAll<HTMLButtonElement>('button'))) b.onclick = () => sendSetup({ foot: b.dataset.value as Foot });
for (const b of Array.from($('eyes').querySelectorAll<HTMLButtonElement>('button'))) b.onclick = () => sendSetup({ eyes: b.dataset.value as Eyes });
for (const b of Array.from($('surface').querySelectorAll<HTMLButtonElement>('button'))) b.onclick = () => sendSetup({ surface: b.dataset.value as Surface });
$<HTMLInputElement>('duration').onchange = (e) => {
  const v = Number((e.target as HTMLInputElement).value);
  if (Number.isFinite(v) && v >= 1 && v <= 120) sendSetup({ durationS: v });
  else toast('Duration must be 1 to 120 s', 'error');
};
for (const b of Array.from($('plate-view').querySelectorAll<HTMLButtonElement>('button'))) {
  b.onclick = () => {
    state.plate.view = b.dataset.value === 'plate' ? 'plate' : 'foot';
    for (const o of Array.from($('plate-view').querySelectorAll<HTMLButtonElement>('button'))) o.setAttribute('aria-checked', String(o === b));
    state.dirty = true;
  };
}
$('start').onclick = () => send({ type: 'start' });
$('stop').onclick = () => send({ type: 'stop' });
// The host refuses a tare with a load on the board or a trial under way and asks (message 'confirm');
// the page asks the user and resends it confirmed.
$('tare').onclick = () => send({ type: 'tare' });
document.addEventListener('visibilitychange', () => send({ type: 'visibility', hidden: document.hidden }));

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(text: string, level: 'info' | 'error'): void {
  const el = $('toast');
  el.textContent = text;
  el.dataset.level = level;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 4000);
}

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    state.charts?.resize(Math.max(200, $('chart-cells').clientWidth));
    resizeClinic();
    state.dirty = true;
  }, 100);
});

connect();
requestAnimationFrame(render);
void initClinic(toast);
