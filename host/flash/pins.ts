/**
 * `tripod flash --board custom --pins ...`: the HX711 wiring of a board that is neither an MDBT42Q
 * breakout nor a Puck.js, in one of the firmware's two read paths (firmware/src/hx711.ts):
 * - nine pins `SCK0,SCK1,SCK2,SCK3,RATE,DOUT0,DOUT1,DOUT2,DOUT3`: one clock per chip (software-SPI
 *   read, the cheap one: 8 native calls per sample set);
 * - six pins `SCK,RATE,DOUT0,DOUT1,DOUT2,DOUT3`: one clock shared by the four chips (49 native
 *   calls per sample set; for boards with few free pins).
 * The pins go into the firmware's settings file (firmware/src/settings.ts: SETTINGS_FILE
 * "tripod.json", field `pins: {sck (one pin or four), rate, dout[4]}`)
 * by one REPL statement run after the code is saved and before `load()`, so the firmware finds them
 * at its first boot. Existing settings are kept; without any, the firmware's defaults are written
 * (the firmware validates every field and would otherwise ignore the file).
 */
import { FlashError } from './upload.ts';

export interface CustomPins {
  /** One shared clock pin, or one clock per chip (cells 0..3). */
  sck: number | [number, number, number, number];
  /** -1: RATE hard-wired on the HX711 boards. */
  rate: number;
  dout: [number, number, number, number];
}

/**
 * Parses "11,12,13,14,15,16,17,18,19" (SCK0..SCK3, RATE, DOUT0..DOUT3: one clock per chip) or
 * "14,15,16,17,18,19" (SCK, RATE, DOUT0..DOUT3: one shared clock). RATE may be -1; nRF52 pins are 0..31.
 */
export function parsePins(text: string): CustomPins {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  const rateAt = parts.length === 9 ? 4 : 1;
  if ((parts.length !== 6 && parts.length !== 9) || nums.some((n, i) => !Number.isInteger(n) || n > 31 || n < (i === rateAt ? -1 : 0))) {
    throw new FlashError(
      'usage',
      `--pins expects nine pin numbers SCK0,SCK1,SCK2,SCK3,RATE,DOUT0,DOUT1,DOUT2,DOUT3 (one clock per chip) or six SCK,RATE,DOUT0,DOUT1,DOUT2,DOUT3 (one shared clock); 0..31, RATE -1 when hard-wired; got '${text}'`,
    );
  }
  const used = nums.filter((n) => n >= 0);
  if (new Set(used).size !== used.length) throw new FlashError('usage', `--pins uses a pin twice: '${text}'`);
  if (parts.length === 9) {
    const [k0, k1, k2, k3, rate, d0, d1, d2, d3] = nums as [number, number, number, number, number, number, number, number, number];
    return { sck: [k0, k1, k2, k3], rate, dout: [d0, d1, d2, d3] };
  }
  const [sck, rate, d0, d1, d2, d3] = nums as [number, number, number, number, number, number];
  return { sck, rate, dout: [d0, d1, d2, d3] };
}

/** Firmware settings defaults (firmware/src/settings.ts defaultSettings, format v1). */
const DEFAULT_SETTINGS_JS = '{v:1,name:"",rateHz:80,samplesPerFrame:4,keyInterval:80,idleS:60,serial:true,pins:null}';

/** One ES5 statement (Espruino-safe) that stores the pins in tripod.json, keeping other settings. */
export function pinsStatement(p: CustomPins): string {
  const sck = typeof p.sck === 'number' ? String(p.sck) : `[${p.sck.join(',')}]`;
  const pins = `{sck:${sck},rate:${p.rate},dout:[${p.dout.join(',')}]}`;
  return `(function(){var S=require("Storage"),s=S.readJSON("tripod.json",1);if(!s||s.v!==1)s=${DEFAULT_SETTINGS_JS};s.pins=${pins};S.writeJSON("tripod.json",s);})();`;
}
