/**
 * Authenticated writes, device side (protocol/SPEC.md 5.5): a lazy group of its own (lazy.ts
 * loadAuth) that main.ts runCommand loads, runs and lets the garbage collector free BEFORE it loads
 * the commands group, so the two are never in RAM together (the peak is the commands group's, not
 * the sum). It works on the raw command bytes and writes its few answers by hand, so it shares no
 * code with the commands group (shared code would stay in RAM for good, memory-passes.ts). What
 * lives on at rest is main.ts's AuthState (18 bytes) and the button watch.
 *
 * - The key: 16 bytes in Storage file KEY_FILE as 32 hex digits, read when a command needs it.
 *   A file of its own, not a field of tripod.json: every settings write rewrites tripod.json from
 *   RAM (settings.ts saveSettings), and a key kept there would either live in RAM at rest or be
 *   lost by the first SET_NAME; a corrupt settings file (defaults at boot) does not unpair either.
 * - AuthState bytes: [AUTH_NONCE_AT..+7] the pending nonce, [AUTH_TAG_AT..+7] the tag AUTH brought,
 *   [AUTH_STEP_AT] the step (STEP_NONE, STEP_CHALLENGED, STEP_TAGGED), [AUTH_PAIRING_AT] 1 while the
 *   pairing window is open.
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
  MSG_COMMAND,
  MSG_RESPONSE,
  STATUS_AUTH_REQUIRED,
  STATUS_BAD_ARGUMENT,
  STATUS_FAILED,
  STATUS_MALFORMED,
  STATUS_OK,
} from '../../protocol/constants.ts';
import { authTag } from '../../protocol/siphash.ts';

/** Storage file of the board's key (32 hex digits). */
export const KEY_FILE = 'tripod.key';
/** Bytes of main.ts's AuthState (see the file comment). */
export const AUTH_STATE_BYTES = 18;
/** AuthState's pending nonce (8 bytes), the tag AUTH brought (8 bytes) and the step byte. */
export const AUTH_NONCE_AT = 0;
export const AUTH_TAG_AT = 8;
export const AUTH_STEP_AT = 16;
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

/**
 * Codes main.ts runCommand sends through authGate: bit `code` of this mask (the writes,
 * AUTH_CHALLENGE, AUTH, SET_KEY). JS shifts take the count mod 32, so a code of 32 or more may
 * land on a set bit too: authGate then just returns false.
 */
export const AUTH_GATED = 0xf5b0;

/** Sends the 4-byte answer to `bytes` with `status`; returns true (answered). */
function authAnswer(link: number, bytes: Uint8Array, status: number, reply: (link: number, bytes: Uint8Array) => void): boolean {
  reply(link, new Uint8Array([MSG_RESPONSE, bytes[1] as number, bytes[2] as number, status]));
  return true;
}

/**
 * The authentication gate in front of the commands group (main.ts runCommand): answers
 * AUTH_CHALLENGE, AUTH and SET_KEY itself and refuses a write (TARE, SET_CALIBRATION, SET_NAME,
 * SET_SAMPLE_RATE, SET_FRAME_SAMPLES, REBOOT, SET_KEY) that is not authorised (AUTH_REQUIRED) or an
 * implausible SET_CALIBRATION (BAD_ARGUMENT), nothing stored in either case. Returns true when it
 * answered, false when the command goes on to the commands group (which decodes and checks the
 * rest, e.g. MALFORMED). One function (with readKey and authAnswer): on the board every function
 * costs variables while the group is loaded.
 */
export function authGate(link: number, bytes: Uint8Array, st: Uint8Array, reply: (link: number, bytes: Uint8Array) => void): boolean {
  const len = bytes.length;
  if (len < 3 || bytes[0] !== MSG_COMMAND) return false;
  const code = bytes[2] as number;
  if (code === CMD_AUTH_CHALLENGE) {
    // A fresh nonce (the hardware RNG) replaces any pending one; the answer carries the key and
    // pairing state and the board's address.
    const out = new Uint8Array(19);
    out[0] = MSG_RESPONSE;
    out[1] = bytes[1] as number;
    out[2] = CMD_AUTH_CHALLENGE;
    for (let i = AUTH_NONCE_AT; i < AUTH_NONCE_AT + 8; i += 4) {
      const w = E.hwRand();
      st[i] = w;
      st[i + 1] = w >> 8;
      st[i + 2] = w >> 16;
      st[i + 3] = w >> 24;
    }
    st[AUTH_STEP_AT] = STEP_CHALLENGED;
    out.set(st.subarray(AUTH_NONCE_AT, AUTH_NONCE_AT + 8), 4);
    out[12] = (readKey() !== null ? AUTH_STATE_KEY_SET : 0) | (st[AUTH_PAIRING_AT] ? AUTH_STATE_PAIRING : 0);
    const a = NRF.getAddress();
    for (let i = 0; i < 6; i++) out[13 + i] = parseInt(a.substr(3 * i, 2), 16);
    reply(link, out);
    return true;
  }
  if (code === CMD_AUTH) {
    if (len < 11) return authAnswer(link, bytes, STATUS_MALFORMED, reply);
    // One tag per nonce: AUTH is refused unless a challenge is pending that has no tag yet.
    const ok = st[AUTH_STEP_AT] === STEP_CHALLENGED;
    st[AUTH_STEP_AT] = ok ? STEP_TAGGED : STEP_NONE;
    if (ok) st.set(bytes.subarray(3, 11), AUTH_TAG_AT);
    return authAnswer(link, bytes, ok ? STATUS_OK : STATUS_AUTH_REQUIRED, reply);
  }
  if (!(code === CMD_SET_SAMPLE_RATE || code === CMD_SET_FRAME_SAMPLES || code === CMD_SET_CALIBRATION || code === CMD_TARE || code === CMD_SET_NAME || code === CMD_REBOOT || code === CMD_SET_KEY)) return false;
  // The write must carry the tag AUTH brought for the pending nonce under the stored key. Any write
  // ends the challenge (one nonce, one write, good or not), so a recorded AUTH and command never
  // work again, and a tag made for one command fails for any other bytes.
  const tagged = st[AUTH_STEP_AT] === STEP_TAGGED;
  st[AUTH_STEP_AT] = STEP_NONE;
  const key = tagged ? readKey() : null;
  let diff = 1;
  if (key !== null) {
    const t = authTag(key, st.subarray(AUTH_NONCE_AT, AUTH_NONCE_AT + 8), bytes);
    diff = 0;
    for (let i = 0; i < 8; i++) diff |= (t[i] as number) ^ (st[AUTH_TAG_AT + i] as number);
  }
  // SET_KEY needs no AUTH on the wired link or while the button's pairing window is open.
  if (diff !== 0 && !(code === CMD_SET_KEY && (link === LINK_WIRED || st[AUTH_PAIRING_AT] === 1))) return authAnswer(link, bytes, STATUS_AUTH_REQUIRED, reply);
  if (code === CMD_SET_CALIBRATION && len >= 16) {
    // The record (bytes 3..15) must be one the board may store: finite positive scale in range,
    // offset within the 24-bit ADC range.
    const offset = (bytes[4] as number) | ((bytes[5] as number) << 8) | ((bytes[6] as number) << 16) | ((bytes[7] as number) << 24);
    const scale = new Float32Array(new Uint8Array(bytes.subarray(8, 12)).buffer)[0] as number;
    if (!(scale >= SCALE_MIN && scale <= SCALE_MAX && offset >= COUNT_MIN && offset <= COUNT_MAX)) return authAnswer(link, bytes, STATUS_BAD_ARGUMENT, reply);
  }
  if (code !== CMD_SET_KEY) return false;
  // SET_KEY: bytes 3..18, not all zero, stored as 32 hex digits; the pairing window closes.
  if (len < 19) return authAnswer(link, bytes, STATUS_MALFORMED, reply);
  let hex = '';
  let any = 0;
  for (let i = 3; i < 19; i++) {
    const b = bytes[i] as number;
    any |= b;
    hex += (b < 16 ? '0' : '') + b.toString(16);
  }
  if (any === 0) return authAnswer(link, bytes, STATUS_BAD_ARGUMENT, reply);
  st[AUTH_PAIRING_AT] = 0;
  let saved = false;
  try {
    saved = require('Storage').write(KEY_FILE, hex) !== false;
  } catch (e) {
    saved = false;
  }
  return authAnswer(link, bytes, saved ? STATUS_OK : STATUS_FAILED, reply);
}
