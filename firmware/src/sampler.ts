/**
 * Sampling: a timer at the sample rate reads all four HX711 each period (hx711.ts), flags cells
 * that are not ready, stuck or saturated without stalling the others, and hands each sample set to
 * the sample ring (while a stream takes samples) and to a tap (TARE). Also the bounded sample ring
 * between sampling and sending.
 *
 * Timing is driven by the chips, not by a fixed-rate timer: the four HX711 free-run at 10 or 80 Hz
 * from their own oscillators (a few % apart), and a shared clock may only pulse a chip whose DOUT
 * is low (a chip that becomes ready in the middle of a read sees a partial read, which spills into
 * the next one: more than 27 pulses, a wrong gain, a restart). So a sample set is read when every
 * waited-for chip is ready: the timer wakes `lead` ms before the predicted moment (the measured
 * read-to-read period, an average of the slowest chip's) and polls DOUT every pollMs.
 * `lead` aims at one not-ready poll per set, so a set is read within a poll of its last chip
 * becoming ready (reading later lets the fast chips' conversions slip against the slow one's and
 * the set times wander by several ms against the KEY-interpolated time base: measured, 15 ms worst
 * against 7.6 ms). The output
 * rate is therefore the slowest chip's (nominal +-3 %), and each sample carries its device time:
 * the read time minus half a period, the middle of the window its four conversions come from (the
 * chip waited for converted just before the read, the others up to one of their periods earlier).
 * A chip still not ready half a period after the others is skipped (one clock per chip: not clocked;
 * shared clock: read anyway, a dead chip ignores the
 * pulses while its DOUT is high) and flagged stale for this sample and the next (if it became
 * ready mid-read it resynchronises on the next read). After NOT_READY_RUN such samples in a row it
 * raises a NOT_READY fault and is no longer waited for, until it is ready when polled again.
 * Stale cells repeat their last good value (delta 0 on the wire) with their FLAG_CELLn_STALE bit.
 */
import {
  FAULT_NOT_READY,
  FAULT_RECOVERED,
  FAULT_SATURATED,
  FAULT_STUCK,
  FLAG_SATURATED,
} from '../../protocol/constants.ts';
import { addressOf, gpioBase, NAT_TICK, type NativeFn } from './native.ts';
import { createRing, ringPush, ringSetAddresses, type SampleRing } from './ring.ts';
import { HX_PULSE_MS, hxK0, hxK1, hxK2, hxK3, hxPowerUp, hxS0, hxS1, hxS2, hxS3, hxSetRate, hxSetup } from './hx711.ts';
import { loadJsRead, loadPowerDown } from './lazy.ts';
import { HB_ATTN, HB_CLK, HB_DELAY, HB_DHI, HB_DLO, HB_DOUT, HB_FEED, HB_GPIO, HB_HALFPOLL, HB_HAVELAST, HB_LAST, HB_LEAD, HB_LIM, HB_MODE, HB_NEXT, HB_PEND, HB_PERIOD, HB_POLLS, HB_POLLU, HB_RAW, HB_RING, HB_SETS, HB_SPINMAX, HB_SPINTARGET, HB_TIME, HB_WANT, RB_COUNT, RB_HEAD, RB_PRODUCED } from './native-code.ts';

/** Consecutive forced (not-ready) reads before a cell is reported NOT_READY and no longer waited for. */
export const NOT_READY_RUN = 3;
/** A cell is STUCK after this long on one raw value, s (protocol/SPEC.md: "the same raw value for 1 s"; noise of ~64 counts rms repeats a value < 1 % of the time). */
export const STUCK_S = 1;
/** HX711 settling after power-up or a RATE change, in conversion periods (datasheet). */
export const SETTLING_PERIODS = 4;
/** Samples the on-device ring holds while the link cannot take them (0.8 s at 80 Hz; 1.3 KB, about 105 variables: firmware/README.md "Memory"). */
export const RING_CAPACITY = 64;
/** Native read: delay-loop passes per clock phase (hx711.c; about 0.8 us at 64 MHz, datasheet minimum 0.2 us). */
export const NATIVE_WAIT_LOOPS = 12;
/** Native tick: DOUT polls it aims to spin before a set is ready (about 40 us at 9 cycles per poll, 64 MHz; hx711.c NAT_TICK). */
export const NATIVE_SPIN_TARGET = 300;
/** Native tick: most DOUT polls in one spin (about 0.6 ms) before it returns to wait for a timer. */
export const NATIVE_SPIN_MAX = 4300;

/**
 * Per-cell state, one Uint8Array (\`cs\`) at these offsets, cell c at offset + c (the build writes
 * the numbers in; one array instead of five saves about 20 variables on the board).
 */
/** Consecutive sets with the same raw value (capped at 255): STUCK at stuckRun. */
export const CS_SAME = 0;
/** Consecutive sets the cell was not ready (capped at 255): NOT_READY at NOT_READY_RUN. */
export const CS_MISS = 4;
/** 1: the cell was skipped and its next read must be resynchronised (stale once more). */
export const CS_RESYNC = 8;
/** The cell's fault kind in force (FAULT_*, 0: none). */
export const CS_FAULT = 12;
/** Byte 16: 1 when hxPowerDownIfIdle powered the chips down. */
export const CS_DOWN = 16;

/** Receives each sample set (setTap): counts (Int32Array(4), reused: copy it), flags (FLAG_*), device time in ms since boot (read time minus half a period). */
export type SampleSink = (counts: Int32Array, flags: number, timeMs: number) => void;
/** A cell's fault state changed: kind is FAULT_NOT_READY/STUCK/SATURATED or FAULT_RECOVERED. */
export type FaultSink = (cell: number, kind: number) => void;

/** Sampler.ctl operations (its first argument; the build writes the numbers in). */
/** Powers the chips up, selects the rate (arg: 10 or 80 Hz) and starts the timer; restarts when running. */
export const SAMPLER_START = 0;
/** Stops sampling and powers the chips down (clock held high) right after a read that leaves every DOUT high. */
export const SAMPLER_STOP = 1;
/** arg true: push every sample set into the ring (a stream takes samples); false: not. */
export const SAMPLER_FEED = 2;
/** Hands every sample set to arg (a SampleSink) too; null: stop. */
export const SAMPLER_TAP = 3;
/** Returns the sample sets delivered since boot (read or stale), for stream indices. */
export const SAMPLER_SETS = 4;
/** Returns 1 while sampling, else 0. */
export const SAMPLER_RUNNING = 5;
/**
 * arg a function: called right after a read (a wake-up of the read tick) whenever the ring holds at
 * least the fill threshold of samples, i.e. as soon as a frame's worth is there (the BLE link sends
 * it at once instead of on a timer, firmware/README.md "Pacing"); arg a number: that threshold
 * (samples), 0: never.
 */
export const SAMPLER_FILL = 6;

export interface Sampler {
  /**
   * The rarely called operations (SAMPLER_*) in one function: on the board every function object
   * costs about 7 variables, so an object of one method each cost about 50 more
   * (firmware/README.md "Memory").
   */
  ctl(op: number, arg?: number | boolean | SampleSink | (() => void) | null): number;
  /** The bounded ring the sampler stores into while fed (capacity sets). */
  ring: SampleRing;
  /** True when the native read (firmware/native/hx711.c) is in use, false for the JS read. */
  native: boolean;
}

/**
 * Creates the sampler for one pin map (sck, rate, dout[4]); configures the pins at once (clock low:
 * chips running). Inside: `check` (every sample) sets the flags and fault states of the
 * values just read from the DOUT levels before the read; `stop` stops sampling and powers the
 * chips down right after a read that leaves every DOUT high (no chip has a newer conversion yet),
 * so raising the clock cannot start another read; until then reads go on and reach the ring.
 * The ring (capacity sets) lives here so the usual set is stored inline: `sampler.ring`.
 */
export function createSampler(sck: Pin | Pin[], rate: Pin, douts: Pin[], capacity: number, onFault: FaultSink, nat: NativeFn | null): Sampler {
  'boot';
  const ring = createRing(capacity);
  const rCounts = ring.counts;
  const rFlags = ring.flags;
  const rTimes = ring.times;
  const rs = ring.state;

  const raw = new Int32Array(4);
  const last = new Int32Array(4);
  /** The last values as plain variables (the JS fast path reads and writes these; `last` is synced in checkAll, latest and the tap). */
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  /** Per-cell state (CS_* offsets). */
  const cs = new Uint8Array(17);
  let active = 15;
  let hz = 80;
  let timer = 0;
  let polls = 0;
  let maxPolls = 13;
  let warmPolls = 0;
  /** Poll limit and cells waited for: warmPolls and 15 until the first read, then maxPolls and `active` (checkAll keeps them). */
  let lim = 0;
  let want = 15;
  let pollMs = 0.5;
  let halfPoll = 0.25;
  let periodMs = 12.5;
  /** Plausible read-to-read interval, ms: 0.8 and 1.2 periods (outside: a missed or restarted set, not averaged). */
  let dLo = 10;
  let dHi = 15;
  let period = 12.5;
  let lead = 2;
  let lastRead = -1e9;
  let on = false;
  let sampleFlags = 0;
  let stuckRun = 79;
  let stopping = false;
  let powered = true;
  /** 1 while any cell needs checkAll on the next set (missed, resyncing, faulted, repeating, not waited for). */
  let pend = 1;
  /** Sample sets delivered since boot. */
  let sets = 0;
  /** Store each set into `ring` (a stream takes samples). */
  let feeding = false;
  /** Also hand each set to `tap` (TARE); null when no tap is set, so a finished TARE's closure (its sums, its answer) is freed, not kept until the next. */
  let tapping = false;
  let tap: SampleSink | null = null;
  /** SAMPLER_FILL: ring count at which `onFill` runs after a read (0x7fffffff: never) and the function (until set, a no-op). */
  let fillAt = 0x7fffffff;
  let onFill = function (): void {};
  hxSetup(sck, rate, douts);
  /** The native read's block (firmware/native/hx711.c documents the layout); hbAddr 0: no native read. */
  const hb = new Int32Array(41);
  /** Address of the HX block (pin masks, ring address, 0.8 us clock phases), 0 when not native or a buffer is not flat. */
  let hbAddr = 0;
  if (nat !== null) {
    for (let c = 0; c < 4; c++) {
      hb[HB_CLK + c] = 1 << (typeof sck === 'number' ? sck : (sck[c] as number));
      hb[HB_DOUT + c] = 1 << (douts[c] as number);
    }
    hb[HB_MODE] = typeof sck === 'number' ? 1 : 0;
    hb[HB_PEND] = 1;
    hb[HB_DELAY] = NATIVE_WAIT_LOOPS;
    hb[HB_GPIO] = gpioBase();
    hbAddr = addressOf(hb);
    hb[HB_RING] = addressOf(ring.state);
    if (hb[HB_RING] === 0 || !ringSetAddresses(ring, addressOf)) hbAddr = 0;
  }
  const pollFirst = hbAddr !== 0 ? pollNative : jsPoller();

  function setFault(c: number, kind: number): void {
    if (cs[CS_FAULT + c] !== kind) {
      cs[CS_FAULT + c] = kind;
      onFault(c, kind === 0 ? FAULT_RECOVERED : kind);
    }
  }

  function checkAll(nr: number): void {
    last[0] = l0;
    last[1] = l1;
    last[2] = l2;
    last[3] = l3;
    let flags = 0;
    for (let c = 0; c < 4; c++) {
      const bit = 8 >> c;
      let v = raw[c] as number;
      let kind = 0;
      if ((nr & bit) !== 0) {
        cs[CS_RESYNC + c] = 1;
        flags |= 1 << c;
        v = last[c] as number;
        if ((cs[CS_MISS + c] as number) < 255) cs[CS_MISS + c] = (cs[CS_MISS + c] as number) + 1;
        if ((cs[CS_MISS + c] as number) >= NOT_READY_RUN) {
          active &= ~bit;
          kind = FAULT_NOT_READY;
        } else {
          kind = cs[CS_FAULT + c] === FAULT_NOT_READY ? FAULT_NOT_READY : 0;
        }
      } else if (cs[CS_RESYNC + c] === 1) {
        cs[CS_RESYNC + c] = 0;
        flags |= 1 << c;
        v = last[c] as number;
        kind = cs[CS_FAULT + c] === FAULT_NOT_READY ? FAULT_NOT_READY : 0;
      } else {
        cs[CS_MISS + c] = 0;
        active |= bit;
        if (v === last[c]) {
          if ((cs[CS_SAME + c] as number) < 255) cs[CS_SAME + c] = (cs[CS_SAME + c] as number) + 1;
        } else {
          cs[CS_SAME + c] = 0;
        }
        if (v === 0x7fffff || v === -0x800000) {
          flags |= FLAG_SATURATED;
          kind = FAULT_SATURATED;
        } else if ((cs[CS_SAME + c] as number) >= stuckRun) {
          flags |= 1 << c;
          kind = FAULT_STUCK;
        }
      }
      last[c] = v;
      raw[c] = v;
      if (cs[CS_FAULT + c] !== kind) setFault(c, kind);
    }
    l0 = last[0] as number;
    l1 = last[1] as number;
    l2 = last[2] as number;
    l3 = last[3] as number;
    sampleFlags = flags;
    lim = maxPolls;
    want = active;
    pend = active !== 15 ? 1 : 0;
    for (let c = 0; c < 4; c++) if ((cs[CS_RESYNC + c] as number) | (cs[CS_MISS + c] as number) | (cs[CS_FAULT + c] as number) | (cs[CS_SAME + c] as number)) pend = 1;
  }

  /** Stores the set (l0..l3, sampleFlags, device time t ms) in the ring, overwriting the oldest when full (counted in lost()). */
  function storeSet(t: number): void {
    ringPush(ring, l0, l1, l2, l3, sampleFlags, t);
  }

  /** TARE's per-sample tap (rare: a plain call with the values in `last`). */
  function tapNow(t: number): void {
    if (hbAddr !== 0) {
      // l0..l3 from the native block's last values (hb[13..16]).
      l0 = hb[HB_LAST] as number;
      l1 = hb[HB_LAST + 1] as number;
      l2 = hb[HB_LAST + 2] as number;
      l3 = hb[HB_LAST + 3] as number;
    }
    last[0] = l0;
    last[1] = l1;
    last[2] = l2;
    last[3] = l3;
    (tap as SampleSink)(last, sampleFlags, t);
  }

  function afterStop(): void {
    loadPowerDown().hxPowerDownIfIdle(sck, douts, cs, CS_DOWN);
    if (cs[CS_DOWN] === 1) {
      stopping = false;
      powered = false;
    }
  }

  /**
   * The JavaScript read (no native code): made only when it is used, so a board running the
   * native read never holds these functions, the SPI ports or the tables (firmware/README.md "Memory").
   * Returns the first poll function: pollSpi with one clock per chip, else poll (shared clock).
   */
  function jsPoller(): () => void {
    const js = loadJsRead();
    const perChip = js.hxOpenPorts(sck, douts);
    const spread = js.hxSpreadTable();
    const words = new Int32Array(3);
    /** What the SPI read sends (hx711.ts HX_TX's twin, made only on this path): 24 clock pulses. */
    const tx = new Uint8Array(3);
    /**
     * The usual set needs no per-cell logic: nothing pending (pend 0: every sameRun is 0, no fault,
     * miss or resync) and every cell changed and unsaturated. One product is 0 exactly when a cell
     * repeats its last value (v - last) or is saturated: (v + 0x800001) & 0xfffffe is 0 for 0x7fffff
     * and -0x800000 only (8 nonzero integer factors under 2^25 each: the product cannot round to 0;
     * any 0 factor, or a wrapping multiply, only sends the set to checkAll). Returns via sampleFlags.
     */
    function check(nr: number): void {
      var c0 = raw[0] as number;
      var c1 = raw[1] as number;
      var c2 = raw[2] as number;
      var c3 = raw[3] as number;
      if ((nr | pend) === 0 && (c0 - l0) * (c0 + 0x800001 & 0xfffffe) * (c1 - l1) * (c1 + 0x800001 & 0xfffffe) * (c2 - l2) * (c2 + 0x800001 & 0xfffffe) * (c3 - l3) * (c3 + 0x800001 & 0xfffffe) !== 0) {
        l0 = c0;
        l1 = c1;
        l2 = c2;
        l3 = c3;
        sampleFlags = 0;
      } else {
        checkAll(nr);
      }
    }

    /** The tail of a set read on the shared clock in JS: lead and period tracking, time stamp, hand-off, next wake-up (pollSpi inlines it, NAT_TICK does it natively). */
    function finish(now: number): void {
      if (polls === 0) lead += halfPoll;
      else if (polls > 1 && lead > pollMs) lead -= halfPoll;
      var d = now - lastRead;
      if (d > dLo && d < dHi) period += (d - period) / 8;
      lastRead = now;
      polls = 0;
      sets++;
      if (feeding) storeSet(now - period / 2);
      if (tapping) tapNow(now - period / 2);
      if (stopping) afterStop();
      if ((rs[RB_COUNT] as number) >= fillAt) onFill();
      d = period - lead;
      if (on || stopping) timer = setTimeout(pollFirst, d < pollMs ? pollMs : d);
    }

    /**
     * One clock per chip (hx711.ts): one digitalRead of the four DOUT; when every waited-for chip is
     * ready, the usual set (all four ready) is read inline, 4 SPI.send back to back then 4 25th
     * pulses, into locals, and checked by one product (see check); anything else goes through
     * hxReadChips and checkAll. The tail (time stamp, tracking, hand-off, re-arm; `finish` on the shared clock) is inline too: one
     * JS call per poll, no other JS call on the usual set (the ring store is inline too).
     */
    function pollSpi(): void {
      var nr = digitalRead(douts);
      if ((nr & want) !== 0 && polls < lim) {
        polls++;
        timer = setTimeout(pollSpi, pollMs);
      } else {
        if (nr === 0) {
          var d = (hxS0 as SPI).send(tx);
          var c0 = (d[0] as number) << 24 >> 8 | (d[1] as number) << 8 | (d[2] as number);
          d = (hxS1 as SPI).send(tx);
          var c1 = (d[0] as number) << 24 >> 8 | (d[1] as number) << 8 | (d[2] as number);
          d = (hxS2 as SPI).send(tx);
          var c2 = (d[0] as number) << 24 >> 8 | (d[1] as number) << 8 | (d[2] as number);
          d = (hxS3 as SPI).send(tx);
          var c3 = (d[0] as number) << 24 >> 8 | (d[1] as number) << 8 | (d[2] as number);
          digitalPulse(hxK0, 1, HX_PULSE_MS);
          digitalPulse(hxK1, 1, HX_PULSE_MS);
          digitalPulse(hxK2, 1, HX_PULSE_MS);
          digitalPulse(hxK3, 1, HX_PULSE_MS);
          if (pend === 0 && (c0 - l0) * (c0 + 0x800001 & 0xfffffe) * (c1 - l1) * (c1 + 0x800001 & 0xfffffe) * (c2 - l2) * (c2 + 0x800001 & 0xfffffe) * (c3 - l3) * (c3 + 0x800001 & 0xfffffe) !== 0) {
            l0 = c0;
            l1 = c1;
            l2 = c2;
            l3 = c3;
            sampleFlags = 0;
          } else {
            raw[0] = c0;
            raw[1] = c1;
            raw[2] = c2;
            raw[3] = c3;
            checkAll(0);
          }
        } else {
          js.hxReadChips(~nr & 15, raw);
          checkAll(nr);
        }
        var now = getTime() * 1000;
        if (polls === 0) lead += halfPoll;
        else if (polls > 1 && lead > pollMs) lead -= halfPoll;
        var t = now - lastRead;
        if (t > dLo && t < dHi) period += (t - period) / 8;
        lastRead = now;
        polls = 0;
        sets++;
        if (feeding) {
          var h = rs[RB_HEAD] as number;
          var o = h << 2;
          rCounts[o] = l0;
          rCounts[o + 1] = l1;
          rCounts[o + 2] = l2;
          rCounts[o + 3] = l3;
          rFlags[h] = sampleFlags;
          rTimes[h] = now - period / 2;
          rs[RB_HEAD] = h + 1 === capacity ? 0 : h + 1;
          if ((rs[RB_COUNT] as number) < capacity) rs[RB_COUNT] = (rs[RB_COUNT] as number) + 1;
          rs[RB_PRODUCED] = (rs[RB_PRODUCED] as number) + 1;
          if ((rs[RB_COUNT] as number) >= fillAt) onFill();
        }
        if (tapping) tapNow(now - period / 2);
        if (stopping) afterStop();
        t = period - lead;
        if (on || stopping) timer = setTimeout(pollSpi, t < pollMs ? pollMs : t);
        else timer = 0;
      }
    }

    /** Shared clock (Puck.js): DOUT check, then the 49-call read (hxRead) when every waited-for chip is ready. */
    function poll(): void {
      timer = 0;
      var nr = js.hxNotReady(douts);
      if ((nr & (polls < lim ? want : 0)) !== 0) {
        polls++;
        timer = setTimeout(poll, pollMs);
      } else {
        var now = getTime() * 1000;
        js.hxRead(sck, douts, spread, words, raw);
        check(nr);
        finish(now);
      }
    }
    return perChip ? pollSpi : poll;
  }

  /** A set the native read did not take as usual (a chip not read, a repeat, saturation, pending state): the JS check, then the ring. */
  function slowNative(nr: number, t: number): void {
    for (let c = 0; c < 4; c++) raw[c] = hb[HB_RAW + c] as number;
    l0 = hb[HB_LAST] as number;
    l1 = hb[HB_LAST + 1] as number;
    l2 = hb[HB_LAST + 2] as number;
    l3 = hb[HB_LAST + 3] as number;
    checkAll(nr);
    hb[HB_LAST] = l0;
    hb[HB_LAST + 1] = l1;
    hb[HB_LAST + 2] = l2;
    hb[HB_LAST + 3] = l3;
    hb[HB_PEND] = pend;
    hb[HB_LIM] = lim;
    hb[HB_WANT] = want;
    if (feeding) storeSet(t);
  }

  /**
   * Native sampling (firmware/native/hx711.c NAT_TICK): one call per wake-up checks DOUT and, when
   * every waited-for chip is ready, reads all ready chips in one bit-banged pass, stamps, checks and
   * stores the usual set in the ring and does finish()'s lead and period tracking; it returns the
   * next wake-up in 1/16 ms. The time goes in as getTime() in 1/16 ms (an int32 that wraps after
   * 37 h: the native code uses differences and ms mod 2^28, and the wire carries ms mod 2^24).
   * Anything unusual (and every set while hb[HB_ATTN] asks for attention) comes back to afterNative.
   * Not "jit": on a board its machine code would hold 70 more variables for as long as the firmware
   * runs (906 bytes of Thumb, counted from Espruino's jsjit.c), which the Linux interpreters cannot
   * show; interpreted it costs about 0.24 ms more per set (firmware/README.md "The JIT's RAM").
   */
  function pollNative(): void {
    var r = (nat as NativeFn)(NAT_TICK, hbAddr, getTime() * 16000);
    if (r > 0) timer = setTimeout(pollNative, r / 16);
    else afterNative(-r);
    if ((rs[RB_COUNT] as number) >= fillAt) onFill();
  }

  /** The rest of a native set the JS must see: the JS check (r & 0x2000), tap, stop, re-arm from hb[HB_NEXT]. */
  function afterNative(r: number): void {
    timer = 0;
    const t = hb[HB_TIME] as number;
    if ((r & 0x2000) !== 0) slowNative(r & 15, t);
    if (tapping) tapNow(t);
    if (stopping) afterStop();
    attention();
    if (on || stopping) timer = setTimeout(pollNative, (hb[HB_NEXT] as number) / 16);
  }

  /** hb[HB_ATTN]: the native tick hands every finished set back while tapping, stopping or stopped. */
  function attention(): void {
    hb[HB_ATTN] = tapping || stopping || !on ? 1 : 0;
  }

  function ctl(op: number, arg?: number | boolean | SampleSink | (() => void) | null): number {
    if (op === SAMPLER_START) {
      if (timer) clearTimeout(timer);
      timer = 0;
      stopping = false;
      hz = arg === 10 ? 10 : 80;
      periodMs = 1000 / hz;
      dLo = periodMs * 0.8;
      dHi = periodMs * 1.2;
      period = periodMs;
      stuckRun = STUCK_S * hz - 1;
      pollMs = hz === 80 ? 0.5 : 4;
      halfPoll = pollMs / 2;
      lead = 4 * pollMs;
      maxPolls = Math.ceil(periodMs / 2 / pollMs);
      warmPolls = Math.ceil(((SETTLING_PERIODS + 2) * periodMs + 100) / pollMs);
      lastRead = -1e9;
      hxSetRate(rate, hz);
      if (!powered) hxPowerUp(sck);
      powered = true;
      lim = warmPolls;
      want = 15;
      polls = 0;
      active = 15;
      pend = 1;
      for (let c = 0; c < 4; c++) {
        cs[CS_SAME + c] = 0;
        cs[CS_MISS + c] = 0;
        cs[CS_RESYNC + c] = 0;
      }
      on = true;
      hb[HB_PEND] = 1;
      hb[HB_POLLS] = 0;
      hb[HB_LIM] = lim;
      hb[HB_WANT] = want;
      hb[HB_LEAD] = lead * 4096;
      hb[HB_PERIOD] = period * 4096;
      hb[HB_HAVELAST] = 0;
      hb[HB_POLLU] = pollMs * 16;
      hb[HB_HALFPOLL] = halfPoll * 4096;
      hb[HB_DLO] = dLo * 16;
      hb[HB_DHI] = dHi * 16;
      hb[HB_SPINTARGET] = NATIVE_SPIN_TARGET;
      hb[HB_SPINMAX] = NATIVE_SPIN_MAX;
      attention();
      timer = setTimeout(pollFirst, periodMs);
    } else if (op === SAMPLER_STOP) {
      if (on) stopping = true;
      on = false;
      attention();
    } else if (op === SAMPLER_FEED) {
      feeding = arg === true;
      hb[HB_FEED] = feeding ? 1 : 0;
    } else if (op === SAMPLER_TAP) {
      tap = arg ? (arg as SampleSink) : null;
      tapping = tap !== null;
      attention();
    } else if (op === SAMPLER_SETS) return hbAddr !== 0 ? (hb[HB_SETS] as number) : sets;
    else if (op === SAMPLER_RUNNING) return on ? 1 : 0;
    else if (op === SAMPLER_FILL) {
      if (typeof arg === 'function') onFill = arg as () => void;
      else fillAt = (arg as number) > 0 ? (arg as number) : 0x7fffffff;
    }
    return 0;
  }

  return { ctl: ctl, ring: ring, native: hbAddr !== 0 };
}
