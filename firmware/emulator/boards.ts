/**
 * The boards the emulator can be: what Espruino defines on each (process.env.BOARD, LEDs, button,
 * serial ports) and how the four HX711 are wired by default. The wiring follows the firmware's pin
 * maps (firmware/src/boards.ts): one shared PD_SCK, one shared RATE line, four DOUT.
 */

export type BoardName = 'mdbt42q' | 'puckjs';

export interface Hx711Wiring {
  /** Shared PD_SCK pin, or one clock per chip. */
  sck: number | [number, number, number, number];
  /** RATE pin (high = 80 Hz, low = 10 Hz), or -1 when RATE is hard-wired (see `rateHz`). */
  rate: number;
  /** DOUT of cells 0..3. */
  dout: [number, number, number, number];
  /** Rate when RATE is hard-wired or before the firmware drives it (the pin floats low = 10 Hz). */
  rateHz: 10 | 80;
}

export interface BoardDef {
  name: BoardName;
  /** process.env.BOARD */
  envBoard: string;
  /** Default advertising name prefix ("Puck.js abcd"). */
  namePrefix: string;
  leds: number[];
  button: number | undefined;
  /** Whether E.getBattery exists (Puck.js only). */
  hasEGetBattery: boolean;
  /** Volts NRF.getBattery reports by default: a fresh CR2032 (Puck.js) or the 3.3 V regulator. */
  batteryVolts: number;
  /** Serial1 console pins (MDBT42Q: RX D8, TX D6); undefined when the board has none wired. */
  serialConsole: { rx: number; tx: number } | undefined;
  wiring: Hx711Wiring;
}

export const BOARDS: Record<BoardName, BoardDef> = {
  mdbt42q: {
    name: 'mdbt42q',
    envBoard: 'MDBT42Q',
    namePrefix: 'MDBT42Q',
    leds: [1, 2],
    button: 0,
    hasEGetBattery: false,
    batteryVolts: 3.3,
    serialConsole: { rx: 8, tx: 6 },
    wiring: { sck: [11, 12, 13, 14], rate: 15, dout: [16, 17, 18, 19], rateHz: 10 },
  },
  puckjs: {
    name: 'puckjs',
    envBoard: 'PUCKJS',
    namePrefix: 'Puck.js',
    leds: [5, 4, 3],
    button: 0,
    hasEGetBattery: true,
    batteryVolts: 3.0,
    serialConsole: undefined,
    wiring: { sck: 28, rate: 29, dout: [1, 2, 30, 31], rateHz: 10 },
  },
};

/** Espruino version string reported in process.env.VERSION (the interpreter firmware/ESPRUINO.md was measured on). */
export const ESPRUINO_VERSION = '2v29';
