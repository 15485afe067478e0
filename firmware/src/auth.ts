/**
 * Authenticated writes, device side (protocol/SPEC.md 5.5). Reached only from commands.ts, so it is
 * part of the lazily loaded commands group (lazy.ts loadCommands): nothing here costs RAM while no
 * command runs. What lives on at rest is main.ts's AuthState (18 bytes) and the button watch.
 *
 * - The key: 16 bytes in Storage file KEY_FILE as 32 hex digits, read when a command needs it.
 *   A file of its own, not a field of tripod.json: every settings write rewrites tripod.json from
 *   RAM (settings.ts saveSettings), and a key kept there would either live in RAM at rest or be
 *   lost by the first SET_NAME; a corrupt settings file (defaults at boot) does not unpair either.
 * - AuthState bytes: [0..7] the pending nonce, [8..15] the tag AUTH brought, [16] the step
 *   (STEP_NONE, STEP_CHALLENGED, STEP_TAGGED), [17] 1 while the pairing window is open.
 */
import {
  AUTH_STATE_KEY_SET,
  AUTH_STATE_PAIRING,
  CMD_AUTH,
  CMD_AUTH_CHALLENGE,
  CMD_REBOOT,
  CMD_SET_CALIBRATION,
  CMD_SET_FRAME_SAMPLES,
  CMD_SET_KEY,
  CMD_SET_NAME,
  CMD_SET_SAMPLE_RATE,
  CMD_TARE,
  COUNT_MAX,
  COUNT_MIN,
  STATUS_AUTH_REQUIRED,
  STATUS_BAD_ARGUMENT,
  STATUS_FAILED,
  STATUS_OK,
} from '../../protocol/constants.ts';
import type { CellCalibrationRecord, CommandMessage, ResponseMessage } from '../../protocol/control.ts';
import { authTag } from '../../protocol/siphash.ts';

/** Storage file of the board's key (32 hex digits). */
export const KEY_FILE = 'tripod.key';
/** Bytes of main.ts's AuthState (see the file comment). */
export const AUTH_STATE_BYTES = 18;
/** Index of the pairing-window byte in AuthState (main.ts sets it from the button watch). */
export const AUTH_PAIRING_AT = 17;
export const STEP_NONE = 0;
export const STEP_CHALLENGED = 1;
export const STEP_TAGGED = 2;
/** Link number of the wired link (main.ts LINK_SERIAL): SET_KEY is accepted there without AUTH. */
export const LINK_WIRED = 2;
/**
 * SET_CALIBRATION's plausible scale, N per count: a 0.5 mV/V 1000 kg cell on the HX711's gain-32
 * channel gives about 27 counts/N (0.037 N/count), a 3 mV/V 5 kg cell at gain 128 about 131,000
 * counts/N (7.6e-6); the nominal 100 kg 2 mV/V cell 4,380 counts/N (2.3e-4).
 */
export const SCALE_MIN = 1e-6;
export const SCALE_MAX = 0.1;

/** Commands that change what is stored or how the board behaves: refused without a good AUTH. */
export function isWrite(code: number): boolean {
  return code === CMD_SET_SAMPLE_RATE || code === CMD_SET_FRAME_SAMPLES || code === CMD_SET_CALIBRATION || code === CMD_TARE || code === CMD_SET_NAME || code === CMD_REBOOT || code === CMD_SET_KEY;
}

/** The stored key, or null when none is stored (or the file is not 32 hex digits). */
export function readKey(): Uint8Array | null {
  const s = require('Storage').read(KEY_FILE);
  if (typeof s !== 'string' || s.length !== 32) return null;
  const k = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const b = parseInt(s.substr(2 * i, 2), 16);
    if (!(b >= 0)) return null;
    k[i] = b;
  }
  return k;
}

/** Stores the key; false when flash refused it. */
function saveKey(k: Uint8Array): boolean {
  let s = '';
  for (let i = 0; i < 16; i++) s += ((k[i] as number) < 16 ? '0' : '') + (k[i] as number).toString(16);
  try {
    return require('Storage').write(KEY_FILE, s) !== false;
  } catch (e) {
    return false;
  }
}

/** AUTH_CHALLENGE: a fresh nonce (the hardware RNG) replaces any pending one; answers it with the key and pairing state and the board's address. */
function challenge(st: Uint8Array, r: ResponseMessage): void {
  for (let i = 0; i < 8; i += 4) {
    const w = E.hwRand();
    st[i] = w;
    st[i + 1] = w >> 8;
    st[i + 2] = w >> 16;
    st[i + 3] = w >> 24;
  }
  st[16] = STEP_CHALLENGED;
  r.nonce = new Uint8Array(st.subarray(0, 8));
  r.authState = (readKey() !== null ? AUTH_STATE_KEY_SET : 0) | (st[AUTH_PAIRING_AT] ? AUTH_STATE_PAIRING : 0);
  r.address = NRF.getAddress().substr(0, 17);
}

/** AUTH: keeps the tag for the next write; refused unless a challenge is pending that has no tag yet (one tag per nonce). */
function takeTag(st: Uint8Array, cmd: CommandMessage, r: ResponseMessage): void {
  if (st[16] !== STEP_CHALLENGED) {
    st[16] = STEP_NONE;
    r.status = STATUS_AUTH_REQUIRED;
    return;
  }
  st.set(cmd.tag as Uint8Array, 8);
  st[16] = STEP_TAGGED;
}

/**
 * True when the write `bytes` carries the tag AUTH brought for the pending nonce under the stored
 * key. Any write ends the challenge (one nonce, one write, good or not), so a recorded AUTH and
 * command never work again, and a tag made for one command fails for any other bytes.
 */
function verified(st: Uint8Array, bytes: Uint8Array): boolean {
  const tagged = st[16] === STEP_TAGGED;
  st[16] = STEP_NONE;
  const key = tagged ? readKey() : null;
  if (key === null) return false;
  const t = authTag(key, st.subarray(0, 8), bytes);
  let diff = 0;
  for (let i = 0; i < 8; i++) diff |= (t[i] as number) ^ (st[8 + i] as number);
  return diff === 0;
}

/** SET_CALIBRATION's record is one the board may store: finite positive scale in range, offset within the 24-bit ADC range. */
function plausible(c: CellCalibrationRecord): boolean {
  return c.scale >= SCALE_MIN && c.scale <= SCALE_MAX && c.offset >= COUNT_MIN && c.offset <= COUNT_MAX;
}

/**
 * The authentication gate in front of main.ts `act`: handles AUTH_CHALLENGE, AUTH and SET_KEY
 * itself and refuses a write that is not authorised (AUTH_REQUIRED) or an implausible calibration
 * (BAD_ARGUMENT), nothing stored in either case. Returns true when it answered in `r` (send it),
 * false when the command goes on to `act`.
 */
export function authGate(link: number, cmd: CommandMessage, bytes: Uint8Array, r: ResponseMessage, st: Uint8Array): boolean {
  const code = cmd.code;
  if (code === CMD_AUTH_CHALLENGE) {
    challenge(st, r);
    return true;
  }
  if (code === CMD_AUTH) {
    takeTag(st, cmd, r);
    return true;
  }
  if (!isWrite(code)) return false;
  // SET_KEY needs no AUTH on the wired link or while the button's pairing window is open.
  const open = code === CMD_SET_KEY && (link === LINK_WIRED || st[AUTH_PAIRING_AT] === 1);
  if (!verified(st, bytes) && !open) {
    r.status = STATUS_AUTH_REQUIRED;
    return true;
  }
  if (code === CMD_SET_CALIBRATION && !plausible(cmd.calibration as CellCalibrationRecord)) {
    r.status = STATUS_BAD_ARGUMENT;
    return true;
  }
  if (code !== CMD_SET_KEY) return false;
  r.status = saveKey(cmd.key as Uint8Array) ? STATUS_OK : STATUS_FAILED;
  st[AUTH_PAIRING_AT] = 0;
  return true;
}
