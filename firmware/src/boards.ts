/**
 * Pin maps: which nRF52 pin each HX711 line goes to, per supported board (wiring table in
 * firmware/README.md). Pins are numbers: D14 is 14. Two read paths (hx711.ts):
 * - one clock per chip (`sck` is four pins): each chip is read by one software-SPI transfer (one
 *   native call per chip instead of 49 calls for all four); needs 4 + 4 + 1 pins;
 * - one shared clock (`sck` is one pin): 25 digitalPulse + 24 digitalRead calls per sample set;
 *   needs 1 + 4 + 1 pins, for boards with few free pins.
 *
 * MDBT42Q breakout (per-chip clocks): D0 is the button, D1/D2 the LEDs, D6/D8 the UART console
 * (TX/RX), D9/D10 NFC, so the cells use D11..D19 on the 0.1" header: clocks D11..D14, RATE D15,
 * DOUT D16..D19. Puck.js v2 (shared clock) exposes only D1, D2, D28..D31 (+ FET): DOUT on D1, D2,
 * D30, D31, clock on D28 and RATE on D29. D28 is where the Puck checks for a serial adapter at
 * power-on; the clock idles low there, so the check stays off and D28/D29 are ours (no wired
 * serial on the Puck). LED1 is D1 on the MDBT42Q breakout and D5 on the Puck.js; the button is D0 on both.
 */
import { BOARD_MDBT42Q, BOARD_PUCKJS, BOARD_UNKNOWN } from '../../protocol/constants.ts';

export interface PinMap {
  /** Protocol board id (BOARD_*). */
  boardId: number;
  /** HX711 clock (PD_SCK): four pins, one per chip (cells 0..3, software-SPI read), or one pin shared by all four. */
  sck: Pin | Pin[];
  /** Shared HX711 RATE line: high = 80 Hz, low = 10 Hz; -1 when RATE is hard-wired. */
  rate: Pin;
  /** DOUT of cells 0..3 (quadrants as in host/pipeline/types.ts: 0 front-right, 1 front-left, 2 rear-left, 3 rear-right). */
  dout: Pin[];
  /** LED for IDENTIFY, -1 for none. */
  led: Pin;
  /** UART pins for the wired link; -1 when the board has no free UART. */
  rx: Pin;
  tx: Pin;
}

/** The button on both boards (D0; BTN): a press opens the pairing window (protocol/SPEC.md 5.5). */
export const BUTTON_PIN = 0;

/** MDBT42Q breakout board. */
export const PINS_MDBT42Q: PinMap = { boardId: BOARD_MDBT42Q, sck: [11, 12, 13, 14], rate: 15, dout: [16, 17, 18, 19], led: 1, rx: 8, tx: 6 };
/** Puck.js (v2; v1 has the same six 0.1" pads). */
export const PINS_PUCKJS: PinMap = { boardId: BOARD_PUCKJS, sck: 28, rate: 29, dout: [1, 2, 30, 31], led: 5, rx: -1, tx: -1 };

/** The pin map for `process.env.BOARD` ("MDBT42Q", "PUCKJS"); unknown boards get the MDBT42Q map with BOARD_UNKNOWN. */
export function boardPins(board: string | undefined): PinMap {
  if (board === 'PUCKJS') return PINS_PUCKJS;
  if (board === 'MDBT42Q') return PINS_MDBT42Q;
  return { boardId: BOARD_UNKNOWN, sck: [11, 12, 13, 14], rate: 15, dout: [16, 17, 18, 19], led: 1, rx: 8, tx: 6 };
}

/** True for a pin number the nRF52832 has (0..31). */
export function isPin(p: unknown): boolean {
  return typeof p === 'number' && p >= 0 && p <= 31 && Math.floor(p) === p;
}

/** True for a clock setting: one pin (shared clock) or an array of four pins (one per chip). */
export function isClockSpec(p: unknown): boolean {
  if (isPin(p)) return true;
  if (!p || typeof p !== 'object' || (p as number[]).length !== 4) return false;
  for (let i = 0; i < 4; i++) if (!isPin((p as number[])[i])) return false;
  return true;
}

/**
 * Applies custom pins from settings ({sck, rate, dout[4]}; sck one pin or four, numbers 0..31) over
 * a board map; returns null when they are invalid (wrong type, out of range, or one pin used twice).
 */
export function customPins(base: PinMap, custom: { sck: number | number[]; rate: number; dout: number[] }): PinMap | null {
  if (!isClockSpec(custom.sck) || !(custom.rate === -1 || isPin(custom.rate))) return null;
  if (!custom.dout || custom.dout.length !== 4) return null;
  const used: number[] = [];
  const k = custom.sck;
  let sck: Pin | Pin[];
  if (typeof k === 'number') {
    used.push(k);
    sck = k;
  } else {
    sck = [k[0] as number, k[1] as number, k[2] as number, k[3] as number];
    for (let i = 0; i < 4; i++) used.push(k[i] as number);
  }
  if (custom.rate !== -1) used.push(custom.rate);
  for (let i = 0; i < 4; i++) {
    const p = custom.dout[i];
    if (!isPin(p)) return null;
    used.push(p as number);
  }
  for (let i = 0; i < used.length; i++) {
    for (let j = i + 1; j < used.length; j++) if (used[i] === used[j]) return null;
  }
  return {
    boardId: base.boardId,
    sck: sck,
    rate: custom.rate,
    dout: [custom.dout[0] as number, custom.dout[1] as number, custom.dout[2] as number, custom.dout[3] as number],
    led: base.led,
    rx: base.rx,
    tx: base.tx,
  };
}
