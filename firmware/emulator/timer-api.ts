/**
 * The runtime's timer room: setTimeout, setInterval, clearTimeout/clearInterval, changeInterval and
 * getTime, on the virtual clock's JavaScript queue.
 */
import type { ApiHost, DefineGlobal } from './api-host.ts';
import type { Listener } from './values.ts';

interface Timer {
  id: number;
  fn: Listener;
  args: unknown[];
  intervalS: number;
  t: number;
  cancel: { cancelled: boolean };
}

export class Timers {
  private timers = new Map<number, Timer>();
  private nextTimerId = 1;

  constructor(private readonly host: ApiHost) {}

  /** A reboot drops every timer (ids keep counting). */
  clear(): void {
    this.timers.clear();
  }

  install(def: DefineGlobal, bootAt: () => number): void {
    const { clock } = this.host;
    const api = this.host.api.bind(this.host);
    const addTimer = (fn: unknown, ms: unknown, args: unknown[], interval: boolean): number => {
      if (typeof fn !== 'function') throw new TypeError(`${interval ? 'setInterval' : 'setTimeout'}: the first argument must be a function (strings are not supported by the emulator)`);
      const s = Math.max(0, Number(ms) || 0) / 1000;
      const id = this.nextTimerId++;
      const timer: Timer = { id, fn: fn as Listener, args, intervalS: interval ? s : 0, t: clock.now + s, cancel: { cancelled: false } };
      this.timers.set(id, timer);
      this.schedule(timer);
      return id;
    };
    def('setTimeout', api('setTimeout', (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, false)));
    def('setInterval', api('setInterval', (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, true)));
    const clearTimer = (kind: string) => (id?: unknown): void => {
      if (id === undefined) {
        for (const t of this.timers.values()) t.cancel.cancelled = true;
        this.timers.clear();
        return;
      }
      const t = this.timers.get(Number(id));
      if (!t) throw new Error(`Unknown ${kind}`);
      t.cancel.cancelled = true;
      this.timers.delete(t.id);
    };
    def('clearTimeout', api('clearTimeout', clearTimer('Timeout')));
    def('clearInterval', api('clearInterval', clearTimer('Interval')));
    def('changeInterval', api('changeInterval', (id: unknown, ms: unknown): void => {
      const t = this.timers.get(Number(id));
      if (!t) throw new Error('Unknown Interval');
      t.cancel.cancelled = true;
      t.cancel = { cancelled: false };
      const s = Math.max(0, Number(ms) || 0) / 1000;
      if (t.intervalS) t.intervalS = s;
      t.t = clock.now + s;
      this.schedule(t);
    }));
    def('getTime', api('getTime', (): number => clock.now - bootAt()));
  }

  /** Queues the timer's next run; an interval keeps its schedule (next = previous + interval). */
  private schedule(timer: Timer): void {
    const token = timer.cancel;
    this.host.clock.js.push(timer.t, () => {
      if (token.cancelled) return;
      if (timer.intervalS > 0) {
        timer.t += timer.intervalS;
        this.schedule(timer);
      } else this.timers.delete(timer.id);
      this.host.runCallback(timer.fn, timer.args);
    });
  }
}
