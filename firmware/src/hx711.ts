/**
 * The HX711 read path: four chips on one shared clock (PD_SCK), one DOUT each, channel A gain 128.
 *
 * Why this shape (costs from shared/docs/espruino.md): a plain-JS bit-bang of four chips costs
 * 15-31 ms per sample set and holds the clock high for a whole interpreted statement (80-300 us),
 * past the chip's 60 us power-down limit. Here every clock pulse is `digitalPulse(sck, 1, 0.01)`:
 * the high phase is timed by a hardware timer (10 us, inside the datasheet's 0.2..50 us), so no
 * interpreter delay can stretch it. After each pulse one `digitalRead([4 DOUT])` reads the bit of
 * all four chips at once (DOUT is valid 0.1 us after the rising edge and stays until the next one).
 * 24 pulse+read pairs, then a 25th pulse selects channel A / gain 128 for the next conversion.
 * The loop runs in a `"jit"` function (about 2x faster, no re-lexing) that also decodes:
 * SPREAD[v] moves the 4-bit read `v` (DOUT of cell 0 in bit 3 ... cell 3 in bit 0) into byte lanes
 * (cell c's bit at bit 8c), so shifting eight reads into one word builds one byte per cell;
 * three words give each cell's 24 bits, MSB first. Decoding is then 4 statements, one per cell.
 * Idle: holding the clock high (> 60 us) powers the chips down; pulling it low wakes them (they
 * reset to channel A / gain 128 and need 4 conversion periods to settle).
 */

/** Clock-high time of each pulse, ms: 10 us (HX711: 0.2 us min, 50 us max before power-down at 60 us). */
export const HX_PULSE_MS = 0.01;

/** Builds SPREAD: for a 4-bit digitalRead value v, cell c's bit (v bit 3-c) placed at bit 8c. */
export function hxSpreadTable(): Int32Array {
  const t = new Int32Array(16);
  for (let v = 0; v < 16; v++) {
    t[v] = ((v >> 3) & 1) | (((v >> 2) & 1) << 8) | (((v >> 1) & 1) << 16) | ((v & 1) << 24);
  }
  return t;
}

/** Configures the pins once: clock and RATE as outputs (clock low = chips powered), DOUTs as inputs. */
export function hxSetup(sck: Pin, rate: Pin, douts: Pin[]): void {
  pinMode(sck, 'output');
  digitalWrite(sck, 0);
  if (rate >= 0) pinMode(rate, 'output');
  for (let i = 0; i < douts.length; i++) pinMode(douts[i] as Pin, 'input');
}

/** Selects 80 Hz (RATE high) or 10 Hz (RATE low). The chips need 4 new conversion periods to settle. */
export function hxSetRate(rate: Pin, hz: number): void {
  if (rate >= 0) digitalWrite(rate, hz === 80 ? 1 : 0);
}

/** Powers the chips down: clock held high (> 60 us). */
export function hxPowerDown(sck: Pin): void {
  digitalWrite(sck, 1);
}

/**
 * Powers the chips down only if no chip has data ready (all DOUT high): raising the clock while a
 * chip is ready starts a read of it, which the power-down then cuts (harmless on the chip, but
 * not what we mean). The check and the edge run back to back in a "jit" function to keep the
 * window in which a chip could become ready short. done[0] = 1 when the clock went high.
 */
export function hxPowerDownIfIdle(sck: Pin, douts: Pin[], done: Uint8Array): void {
  "jit";
  var r = digitalRead;
  var w = digitalWrite;
  done[0] = 0;
  if (r(douts) === 15) {
    w(sck, 1);
    done[0] = 1;
  }
}

/** Powers the chips up: clock low. First data after the settling time. */
export function hxPowerUp(sck: Pin): void {
  digitalWrite(sck, 0);
}

/**
 * DOUT levels of the four chips as a bitmask (cell 0 = bit 3 ... cell 3 = bit 0); a 0 bit means
 * that chip has a conversion ready.
 */
export function hxNotReady(douts: Pin[]): number {
  return digitalRead(douts);
}

/**
 * Reads one conversion from all four chips (24 bits each, MSB first, plus the 25th pulse for
 * channel A / gain 128) into `out` as signed counts (-8388608..8388607). `words` is scratch
 * (Int32Array(3)); `spread` is hxSpreadTable(). A chip that was not ready reads as -1 (DOUT high):
 * the caller flags it. 49 API calls: 25 digitalPulse + 24 digitalRead.
 */
export function hxRead(sck: Pin, douts: Pin[], spread: Int32Array, words: Int32Array, out: Int32Array): void {
  "jit";
  var p = digitalPulse;
  var r = digitalRead;
  var ms = HX_PULSE_MS;
  var w = 0;
  for (var i = 0; i < 8; i++) {
    p(sck, 1, ms);
    w = (w << 1) | (spread[r(douts)] as number);
  }
  words[0] = w;
  w = 0;
  for (i = 0; i < 8; i++) {
    p(sck, 1, ms);
    w = (w << 1) | (spread[r(douts)] as number);
  }
  words[1] = w;
  w = 0;
  for (i = 0; i < 8; i++) {
    p(sck, 1, ms);
    w = (w << 1) | (spread[r(douts)] as number);
  }
  p(sck, 1, ms);
  var w0 = words[0] as number;
  var w1 = words[1] as number;
  out[0] = ((w0 & 255) << 24 | (w1 & 255) << 16 | (w & 255) << 8) >> 8;
  out[1] = ((w0 >>> 8 & 255) << 24 | (w1 >>> 8 & 255) << 16 | (w >>> 8 & 255) << 8) >> 8;
  out[2] = ((w0 >>> 16 & 255) << 24 | (w1 >>> 16 & 255) << 16 | (w >>> 16 & 255) << 8) >> 8;
  out[3] = ((w0 >>> 24) << 24 | (w1 >>> 24 & 255) << 16 | (w >>> 24 & 255) << 8) >> 8;
}
