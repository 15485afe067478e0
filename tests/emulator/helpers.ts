import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { EmulatedBoard } from '../../firmware/emulator/index.ts';

/** Source of a hand-written Espruino test program in tests/emulator/programs. */
export function program(name: string): string {
  return readFileSync(fileURLToPath(new URL(`./programs/${name}`, import.meta.url)), 'utf8');
}

/**
 * Runs a board whose program pushes one [cell 0..3] row per read into the global `out` for 3 s of
 * board time, and checks that it read more than `minReads` rows, each cell exactly the words its
 * HX711 model completed, in order; returns the board for further checks.
 */
export function expectExactReads(b: EmulatedBoard, minReads: number): EmulatedBoard {
  b.advance(3);
  const out = b.evaluate('out') as number[][];
  const truth = b.cellTruth();
  expect(out.length).toBeGreaterThan(minReads);
  for (let c = 0; c < 4; c++) {
    const words = truth[c]!.filter((r) => r.complete).map((r) => r.counts);
    expect(out.map((v) => v[c])).toEqual(words.slice(0, out.length));
  }
  return b;
}

/**
 * The wiring the hand-written programs use: all four HX711 on one shared clock, D14 (the MDBT42Q's
 * default map gives each chip its own clock, D11..D14, since the firmware reads them by software SPI).
 */
export const SHARED_CLOCK = { sck: 14 };

/** Minimal firmware: services and advertising like a real app, plus a few hooks for tests. */
export const BLE_APP = `
var SVC = "a0b40001-7d4e-4bb4-9c6e-2b1f0e000000";
var CH = "a0b40002-7d4e-4bb4-9c6e-2b1f0e000000";
var CMD = "a0b40003-7d4e-4bb4-9c6e-2b1f0e000000";
var services = {};
services[SVC] = {};
services[SVC][CH] = { value: [0], maxLen: 50, readable: true, notify: true };
services[SVC][CMD] = { value: [0], maxLen: 20, writable: true, onWrite: function (evt) { got.push(new Uint8Array(evt.data)[0]); } };
var got = [];
var events = [];
NRF.setServices(services, { uart: true, advertise: [SVC] });
NRF.setAdvertising({}, { name: "Tripod-" + NRF.getAddress().substr(12, 5).replace(":", "").toUpperCase(), showName: true });
NRF.on("connect", function (a) { events.push("connect " + a); });
NRF.on("disconnect", function (r) { events.push("disconnect " + r); });
NRF.on("mtu", function (m) { events.push("mtu " + m); });
function send(n, len) {
  var u = {};
  u[SVC] = {};
  u[SVC][CH] = { value: new Uint8Array(len).fill(n), notify: true };
  NRF.updateServices(u);
}
`;
