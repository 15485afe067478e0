/**
 * `tripod flash --board custom --pins SCK,RATE,DOUT0,DOUT1,DOUT2,DOUT3`: the HX711 wiring of a
 * board that is neither an MDBT42Q breakout nor a Puck.js. The pins go into the firmware's settings
 * file (firmware/src/settings.ts: SETTINGS_FILE "tripod.json", field `pins: {sck, rate, dout[4]}`)
 * by one REPL statement run after the code is saved and before `load()`, so the firmware finds them
 * at its first boot. Existing settings are kept; without any, the firmware's defaults are written
 * (the firmware validates every field and would otherwise ignore the file).
 */
import { FlashError } from './upload.ts';

export interface CustomPins {
  sck: number;
  /** -1: RATE hard-wired on the HX711 boards. */
  rate: number;
  dout: [number, number, number, number];
}

/** Parses "14,15,16,17,18,19" (SCK, RATE, DOUT of cells 0..3; RATE may be -1). nRF52 pins are 0..31. */
export function parsePins(text: string): CustomPins {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length !== 6 || nums.some((n, i) => !Number.isInteger(n) || n > 31 || n < (i === 1 ? -1 : 0))) {
    throw new FlashError('usage', `--pins expects six pin numbers SCK,RATE,DOUT0,DOUT1,DOUT2,DOUT3 (0..31; RATE -1 when hard-wired), got '${text}'`);
  }
  const used = nums.filter((n) => n >= 0);
  if (new Set(used).size !== used.length) throw new FlashError('usage', `--pins uses a pin twice: '${text}'`);
  const [sck, rate, d0, d1, d2, d3] = nums as [number, number, number, number, number, number];
  return { sck, rate, dout: [d0, d1, d2, d3] };
}

/** Firmware settings defaults (firmware/src/settings.ts defaultSettings, format v1). */
const DEFAULT_SETTINGS_JS = '{v:1,name:"",rateHz:80,samplesPerFrame:4,keyInterval:80,idleS:60,serial:true,pins:null}';

/** One ES5 statement (Espruino-safe) that stores the pins in tripod.json, keeping other settings. */
export function pinsStatement(p: CustomPins): string {
  const pins = `{sck:${p.sck},rate:${p.rate},dout:[${p.dout.join(',')}]}`;
  return `(function(){var S=require("Storage"),s=S.readJSON("tripod.json",1);if(!s||s.v!==1)s=${DEFAULT_SETTINGS_JS};s.pins=${pins};S.writeJSON("tripod.json",s);})();`;
}
