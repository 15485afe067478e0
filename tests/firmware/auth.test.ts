/**
 * Authenticated writes on the built firmware in the emulator (protocol/SPEC.md 5.5, issue 12):
 * every write refused with AUTH_REQUIRED and nothing stored without a good AUTH; a replayed
 * exchange and a tag made for another command refused; good AUTH works on BLE and serial; SET_KEY
 * on the wired link, in the button's pairing window and authenticated; SET_CALIBRATION's values.
 */
import { describe, expect, it } from 'vitest';
import { constantLoads } from '../../firmware/emulator/index.ts';
import {
  AUTH_COMMANDS,
  AUTH_STATE_KEY_SET,
  AUTH_STATE_PAIRING,
  CMD_AUTH,
  CMD_AUTH_CHALLENGE,
  CMD_GET_CALIBRATION,
  CMD_GET_INFO,
  CMD_IDENTIFY,
  CMD_START_STREAM,
  CMD_STOP_STREAM,
  CMD_GET_NAME,
  CMD_REBOOT,
  CMD_SET_CALIBRATION,
  CMD_SET_FRAME_SAMPLES,
  CMD_SET_KEY,
  CMD_SET_NAME,
  CMD_SET_SAMPLE_RATE,
  CMD_TARE,
  STATUS_AUTH_REQUIRED,
  STATUS_BAD_ARGUMENT,
  STATUS_OK,
  authTag,
  encodeCommand,
  type CommandMessage,
} from '../../protocol/index.ts';
import { TEST_KEY, bleHost, boot, serialHost } from './harness.ts';

const LOADS = constantLoads([100, 200, 300, 400]);
const NEW_KEY = new Uint8Array(16).map((_, i) => 0x30 + 7 * i);
const CAL = { cell: 1, offset: -12345, scale: 2.5e-4, xMm: -150, yMm: 170.5 };

/** One request of every write, by request id. */
const WRITES: CommandMessage[] = [
  { reqId: 1, code: CMD_SET_SAMPLE_RATE, sampleRateHz: 10 },
  { reqId: 2, code: CMD_SET_FRAME_SAMPLES, samplesPerFrame: 2 },
  { reqId: 3, code: CMD_SET_CALIBRATION, calibration: CAL },
  { reqId: 4, code: CMD_TARE, samples: 8 },
  { reqId: 5, code: CMD_SET_NAME, name: 'Mallory' },
  { reqId: 6, code: CMD_REBOOT },
  { reqId: 7, code: CMD_SET_KEY, key: NEW_KEY },
];

function ready(opts: { paired?: boolean } = {}) {
  const board = boot({ seed: 12, loads: LOADS, address: 'c0:11:22:33:ab:cd', ...opts });
  board.advance(0.5);
  return { board, host: bleHost(board, 23) };
}

describe('authenticated writes (SPEC.md 5.5)', () => {
  it('streaming and reading stay open: every command that is not a write works without AUTH', () => {
    expect(WRITES.map((w) => w.code).sort()).toEqual([...AUTH_COMMANDS].sort());
    const { host } = ready({ paired: false });
    const open: CommandMessage[] = [
      { reqId: 1, code: CMD_GET_INFO },
      { reqId: 2, code: CMD_START_STREAM },
      { reqId: 3, code: CMD_GET_CALIBRATION, cell: 0 },
      { reqId: 4, code: CMD_GET_NAME },
      { reqId: 5, code: CMD_IDENTIFY, seconds: 1 },
      { reqId: 6, code: CMD_STOP_STREAM },
      { reqId: 7, code: CMD_AUTH_CHALLENGE },
    ];
    for (const c of open) expect(host.command(c, true).status, `code ${c.code}`).toBe(STATUS_OK);
    expect(host.log.blocks.length).toBeGreaterThan(0);
  });

  it('AUTH_CHALLENGE answers a fresh nonce, the key and pairing state and the board address', () => {
    const { host } = ready();
    const a = host.command({ reqId: 1, code: CMD_AUTH_CHALLENGE });
    const b = host.command({ reqId: 2, code: CMD_AUTH_CHALLENGE });
    expect(a.status).toBe(STATUS_OK);
    expect(a.authState).toBe(AUTH_STATE_KEY_SET);
    expect(a.address).toBe('c0:11:22:33:ab:cd');
    expect(a.nonce).toHaveLength(8);
    expect(Buffer.from(a.nonce!).equals(Buffer.from(b.nonce!))).toBe(false);
    const unpaired = ready({ paired: false }).host.command({ reqId: 3, code: CMD_AUTH_CHALLENGE });
    expect(unpaired.authState).toBe(0);
  });

  it('refuses every write without AUTH (AUTH_REQUIRED) and stores nothing, on a paired and an unpaired board', () => {
    for (const paired of [true, false]) {
      const { board, host } = ready({ paired });
      const before = board.storageSnapshot();
      for (const w of WRITES) expect(host.command(w, true).status, `${paired} ${w.code}`).toBe(STATUS_AUTH_REQUIRED);
      board.advance(1);
      // Nothing stored, nothing changed, no reboot (the link stays up, the name and calibration are the boot's).
      expect(board.storageSnapshot()).toEqual(before);
      expect(host.link.connected).toBe(true);
      expect(host.command({ reqId: 20, code: CMD_GET_NAME }).name).toBe('Tripod-ABCD');
      expect(host.command({ reqId: 21, code: CMD_GET_CALIBRATION, cell: 1 }).calibration!.offset).toBe(0);
      // The paired board's key still works; the unpaired board has none, so nothing can authorise a write.
      expect(host.command({ reqId: 22, code: CMD_SET_NAME, name: 'Mine' }).status).toBe(paired ? STATUS_OK : STATUS_AUTH_REQUIRED);
    }
  });

  it('a good AUTH authorises exactly one write, over BLE and over serial', () => {
    const { board, host } = ready();
    const set = { reqId: 9, code: CMD_SET_NAME, name: 'Clinic-1' };
    expect(host.command(set).status).toBe(STATUS_OK);
    expect(host.command({ reqId: 10, code: CMD_GET_NAME }).name).toBe('Clinic-1');
    // The same bytes again without a new AUTH: refused (the challenge was used up).
    expect(host.command(set, true).status).toBe(STATUS_AUTH_REQUIRED);
    const wired = serialHost(board);
    expect(wired.command({ reqId: 11, code: CMD_SET_CALIBRATION, calibration: CAL }).status).toBe(STATUS_OK);
    expect(JSON.parse(board.storageSnapshot()['tripod.cal']!).cells[1].offset).toBe(CAL.offset);
  });

  it('refuses a replayed exchange: a recorded AUTH and command after a new challenge', () => {
    const { host } = ready();
    const cmd = encodeCommand({ reqId: 30, code: CMD_SET_NAME, name: 'Recorded' });
    const ch = host.command({ reqId: 31, code: CMD_AUTH_CHALLENGE });
    const auth = encodeCommand({ reqId: 32, code: CMD_AUTH, tag: authTag(TEST_KEY, ch.nonce!, cmd) });
    expect(host.raw(auth, 32).status).toBe(STATUS_OK);
    expect(host.raw(cmd, 30).status).toBe(STATUS_OK);
    // The attacker replays AUTH + command (after asking for a challenge, or without one).
    expect(host.raw(cmd, 30).status).toBe(STATUS_AUTH_REQUIRED);
    expect(host.command({ reqId: 33, code: CMD_SET_NAME, name: 'Tripod-X' }).status).toBe(STATUS_OK);
    host.command({ reqId: 34, code: CMD_AUTH_CHALLENGE });
    expect(host.raw(auth, 32).status).toBe(STATUS_OK);
    expect(host.raw(cmd, 30).status).toBe(STATUS_AUTH_REQUIRED);
    // AUTH without a pending challenge is refused too.
    expect(host.raw(auth, 32).status).toBe(STATUS_AUTH_REQUIRED);
    expect(host.command({ reqId: 35, code: CMD_GET_NAME }).name).toBe('Tripod-X');
  });

  it('refuses a tag made for one command with another (other argument, other request id, other code), and a wrong key', () => {
    const { board, host } = ready();
    const before = board.storageSnapshot();
    const good = encodeCommand({ reqId: 40, code: CMD_SET_NAME, name: 'Alice' });
    const others = [
      encodeCommand({ reqId: 40, code: CMD_SET_NAME, name: 'Mallory' }),
      encodeCommand({ reqId: 41, code: CMD_SET_NAME, name: 'Alice' }),
      encodeCommand({ reqId: 40, code: CMD_REBOOT }),
    ];
    for (const other of others) {
      expect(host.authorize(good).status).toBe(STATUS_OK);
      expect(host.raw(other, other[1]!).status).toBe(STATUS_AUTH_REQUIRED);
    }
    expect(host.authorize(good, NEW_KEY).status).toBe(STATUS_OK);
    expect(host.raw(good, 40).status).toBe(STATUS_AUTH_REQUIRED);
    expect(board.storageSnapshot()).toEqual(before);
    expect(host.link.connected).toBe(true);
  });

  it('SET_KEY: accepted on the wired link, refused over BLE until the button opens the pairing window (30 s, one key), or authenticated', () => {
    const { board, host } = ready({ paired: false });
    const setKey = (reqId: number, key: Uint8Array) => ({ reqId, code: CMD_SET_KEY, key });
    expect(host.command(setKey(50, NEW_KEY), true).status).toBe(STATUS_AUTH_REQUIRED);
    expect(board.storageSnapshot()['tripod.key']).toBeUndefined();
    board.pressButton();
    board.advance(0.3);
    expect(host.command({ reqId: 51, code: CMD_AUTH_CHALLENGE }).authState).toBe(AUTH_STATE_PAIRING);
    expect(host.command(setKey(52, NEW_KEY), true).status).toBe(STATUS_OK);
    expect(board.storageSnapshot()['tripod.key']).toBe(Buffer.from(NEW_KEY).toString('hex'));
    // The window closes with the first key: a second SET_KEY needs AUTH (with the new key).
    expect(host.command(setKey(53, TEST_KEY), true).status).toBe(STATUS_AUTH_REQUIRED);
    expect(host.authorize(encodeCommand(setKey(54, TEST_KEY)), NEW_KEY).status).toBe(STATUS_OK);
    expect(host.raw(encodeCommand(setKey(54, TEST_KEY)), 54).status).toBe(STATUS_OK);
    expect(host.command({ reqId: 55, code: CMD_SET_NAME, name: 'Rekeyed' }).status).toBe(STATUS_OK);
    // A window not used closes by itself after 30 s.
    board.pressButton();
    board.advance(31);
    expect(host.command(setKey(56, NEW_KEY), true).status).toBe(STATUS_AUTH_REQUIRED);
    // The wired link needs no window: plugging a cable in is the physical access the button proves.
    const wired = serialHost(board);
    expect(wired.command(setKey(57, NEW_KEY), true).status).toBe(STATUS_OK);
    expect(host.command({ reqId: 58, code: CMD_SET_NAME, name: 'Old key' }).status).toBe(STATUS_AUTH_REQUIRED);
    expect(host.authorize(encodeCommand({ reqId: 59, code: CMD_SET_NAME, name: 'New key' }), NEW_KEY).status).toBe(STATUS_OK);
    expect(host.raw(encodeCommand({ reqId: 59, code: CMD_SET_NAME, name: 'New key' }), 59).status).toBe(STATUS_OK);
  });

  it('SET_CALIBRATION refuses an implausible record (BAD_ARGUMENT) and stores nothing', () => {
    const { board, host } = ready();
    const bad = [
      { ...CAL, scale: 0 },
      { ...CAL, scale: -2.5e-4 },
      { ...CAL, scale: 1 },
      { ...CAL, scale: 1e-9 },
      { ...CAL, offset: 8_388_608 },
      { ...CAL, offset: -8_388_609 },
      { ...CAL, offset: 2_000_000_000 },
    ];
    bad.forEach((calibration, i) => expect(host.command({ reqId: 60 + i, code: CMD_SET_CALIBRATION, calibration }).status, JSON.stringify(calibration)).toBe(STATUS_BAD_ARGUMENT));
    expect(board.storageSnapshot()['tripod.cal']).toBeUndefined();
    // A scale that is not a finite float32 never gets past the decoder (BAD_ARGUMENT too).
    const nan = encodeCommand({ reqId: 70, code: CMD_SET_CALIBRATION, calibration: CAL });
    nan.set([0x00, 0x00, 0xc0, 0x7f], 8);
    expect(host.authorize(nan).status).toBe(STATUS_OK);
    expect(host.raw(nan, 70).status).toBe(STATUS_BAD_ARGUMENT);
    // Just inside the range (a float32 of 1e-6 is below 1e-6) is accepted.
    for (const calibration of [{ ...CAL, scale: 1.001e-6, offset: -8_388_608 }, { ...CAL, scale: 0.0999, offset: 8_388_607 }]) {
      expect(host.command({ reqId: 71, code: CMD_SET_CALIBRATION, calibration }).status).toBe(STATUS_OK);
    }
  });
});
