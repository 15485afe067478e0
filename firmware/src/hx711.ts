/**
 * The HX711 read path, channel A gain 128, in one of two wirings (boards.ts):
 *
 * One clock per chip (`sck` is four pins; MDBT42Q default). Each chip is read by one software-SPI
 * transfer, `spi.send(3 zero bytes)` with {sck: the chip's PD_SCK, miso: its DOUT, mode 0}:
 * Espruino's C loop (jsspi.c) raises SCK, reads MISO, lowers SCK for each of the 24 bits, MSB
 * first, so the three bytes it returns are the 24-bit count (a high time of two GPIO operations,
 * well under a microsecond: far from the 50/60 us limit, as Espruino's own HX711 module does with
 * MOSI as the clock). One `digitalPulse` per chip then gives the 25th pulse (channel A / gain
 * 128), after all four transfers. The sampler's JS poll (sampler.ts) checks DOUT and reads in one function, so
 * the fourth chip's first edge follows the check by about 4 native calls (0.4 ms): a chip that
 * completes a newer conversion in that window delivers the newer one (exact). A chip that is not
 * ready is not clocked at all. Per chip: 2 native calls and one combining statement (4 chips: 8
 * calls + 1 digitalRead instead of 49).
 *
 * One shared clock (`sck` is one pin; Puck.js, six pads only). Every clock pulse is
 * `digitalPulse(sck, 1, 0.01)`: the high phase is timed by a hardware timer (10 us, inside the
 * datasheet's 0.2..50 us), so no interpreter delay can stretch it. After each pulse one
 * `digitalRead([4 DOUT])` reads the bit of all four chips at once (DOUT is valid 0.1 us after the
 * rising edge and stays until the next one). 24 pulse+read pairs, then a 25th pulse.
 * SPREAD[v] moves the 4-bit read `v` (DOUT of cell 0 in bit 3 ... cell 3 in bit 0) into byte lanes
 * (cell c's bit at bit 8c), so shifting eight reads into one word builds one byte per cell;
 * three words give each cell's 24 bits, MSB first. 49 native calls per sample set.
 *
 * Both reads are written in the subset Espruino's JIT compiles but not marked `"jit"`: their
 * machine code would not fit a board's RAM (firmware/README.md "The JIT's RAM"). Idle: holding the
 * clock(s) high (> 60 us) powers the chips down; pulling them low wakes them (they reset to channel A /
 * gain 128 and need 4 conversion periods to settle).
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

/** Software-SPI ports of the per-chip-clock path, cells 0..3 (null on the shared-clock path). */
export let hxS0: SPI | null = null;
export let hxS1: SPI | null = null;
export let hxS2: SPI | null = null;
export let hxS3: SPI | null = null;
/** Per-chip clock pins, cells 0..3 (the 25th pulse). */
export let hxK0: Pin = -1;
export let hxK1: Pin = -1;
export let hxK2: Pin = -1;
export let hxK3: Pin = -1;

/** What the SPI path sends: 3 bytes = 24 clock pulses (MOSI is not connected). */
export const HX_TX = new Uint8Array(3);

function hxPort(clk: Pin, dout: Pin): SPI {
  const s = new SPI();
  s.setup({ sck: clk, miso: dout, mode: 0 });
  return s;
}

/**
 * Configures the pins once: clock(s) and RATE as outputs (clock low = chips powered), DOUTs as
 * inputs. `sck`: four pins (one clock per chip: software-SPI read) or one shared clock pin.
 */
export function hxSetup(sck: Pin | Pin[], rate: Pin, douts: Pin[]): void {
  'boot';
  if (typeof sck === 'number') {
    pinMode(sck, 'output');
    digitalWrite(sck, 0);
    hxS0 = hxS1 = hxS2 = hxS3 = null;
  } else {
    for (let i = 0; i < 4; i++) {
      pinMode(sck[i] as Pin, 'output');
      digitalWrite(sck[i] as Pin, 0);
    }
  }
  if (rate >= 0) pinMode(rate, 'output');
  for (let i = 0; i < douts.length; i++) pinMode(douts[i] as Pin, 'input');
}

/**
 * The JS read's software-SPI ports, one clock per chip (not made on the native read, which needs
 * none: four SPI objects cost about 100 variables). Returns true for one clock per chip (read
 * with hxReadChips and the SPI ports), false for a shared clock (hxRead).
 */
export function hxOpenPorts(sck: Pin | Pin[], douts: Pin[]): boolean {
  if (typeof sck === 'number') return false;
  hxK0 = sck[0] as Pin;
  hxK1 = sck[1] as Pin;
  hxK2 = sck[2] as Pin;
  hxK3 = sck[3] as Pin;
  hxS0 = hxPort(hxK0, douts[0] as Pin);
  hxS1 = hxPort(hxK1, douts[1] as Pin);
  hxS2 = hxPort(hxK2, douts[2] as Pin);
  hxS3 = hxPort(hxK3, douts[3] as Pin);
  return true;
}

/** Selects 80 Hz (RATE high) or 10 Hz (RATE low). The chips need 4 new conversion periods to settle. */
export function hxSetRate(rate: Pin, hz: number): void {
  if (rate >= 0) digitalWrite(rate, hz === 80 ? 1 : 0);
}

/** Powers the chips down: clock(s) held high (> 60 us); 15 sets all four of a clock array. */
export function hxPowerDown(sck: Pin | Pin[]): void {
  digitalWrite(sck, 15);
}

/**
 * Powers the chips down only if no chip has data ready (all DOUT high): raising the clock while a
 * chip is ready starts a read of it, which the power-down then cuts (harmless on the chip, but
 * not what we mean). The check and the edge run back to back in a "jit" function to keep the
 * window in which a chip could become ready short. done[at] = 1 when the clock went high (a "jit"
 * function cannot return a value).
 */
export function hxPowerDownIfIdle(sck: Pin | Pin[], douts: Pin[], done: Uint8Array, at: number): void {
  "jit";
  var r = digitalRead;
  var w = digitalWrite;
  done[at] = 0;
  if (r(douts) === 15) {
    w(sck, 15);
    done[at] = 1;
  }
}

/** Powers the chips up: clock(s) low. First data after the settling time. */
export function hxPowerUp(sck: Pin | Pin[]): void {
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
 * Shared clock: reads one conversion from all four chips (24 bits each, MSB first, plus the 25th
 * pulse for channel A / gain 128) into `out` as signed counts (-8388608..8388607). `words` is
 * scratch (Int32Array(3)); `spread` is hxSpreadTable(). A chip that was not ready reads as -1 (DOUT
 * high): the caller flags it. 25 digitalPulse + 24 digitalRead. (One clock per chip: hxReadChips, or inline in the sampler's poll.)
 */
export function hxRead(sck: Pin | Pin[], douts: Pin[], spread: Int32Array, words: Int32Array, out: Int32Array): void {
  var p = digitalPulse;
  var r = digitalRead;
  var ms = HX_PULSE_MS;
  var k = sck as Pin;
  var w = 0;
  for (var i = 0; i < 8; i++) {
    p(k, 1, ms);
    w = (w << 1) | (spread[r(douts)] as number);
  }
  words[0] = w;
  w = 0;
  for (i = 0; i < 8; i++) {
    p(k, 1, ms);
    w = (w << 1) | (spread[r(douts)] as number);
  }
  words[1] = w;
  w = 0;
  for (i = 0; i < 8; i++) {
    p(k, 1, ms);
    w = (w << 1) | (spread[r(douts)] as number);
  }
  p(k, 1, ms);
  var w0 = words[0] as number;
  var w1 = words[1] as number;
  out[0] = ((w0 & 255) << 24 | (w1 & 255) << 16 | (w & 255) << 8) >> 8;
  out[1] = ((w0 >>> 8 & 255) << 24 | (w1 >>> 8 & 255) << 16 | (w >>> 8 & 255) << 8) >> 8;
  out[2] = ((w0 >>> 16 & 255) << 24 | (w1 >>> 16 & 255) << 16 | (w >>> 16 & 255) << 8) >> 8;
  out[3] = ((w0 >>> 24) << 24 | (w1 >>> 24 & 255) << 16 | (w >>> 24 & 255) << 8) >> 8;
}

/**
 * One clock per chip: reads the chips of `go` (cell 0 = bit 3 ... cell 3 = bit 0, as digitalRead
 * orders them; each must have DOUT low) by one SPI transfer each into out[c] as signed counts, the
 * transfers first, then the 25th pulses; chips not in `go` are not clocked. The sampler's usual set
 * (all four ready) reads inline in its JS poll (sampler.ts) the same way; this is the partial
 * read (a chip not ready). 2 native calls per chip read. The four chips are written out, not looped
 * over an array of SPI objects, on purpose: each of hxS0..hxS3 is then one global the device
 * resolves by name, and the board pays no loop iteration (7k instructions, firmware/ESPRUINO.md)
 * and no array lookup per chip.
 */
export function hxReadChips(go: number, out: Int32Array): void {
  var p = digitalPulse;
  var ms = HX_PULSE_MS;
  var z = HX_TX;
  var d = z;
  if ((go & 8) !== 0) {
    d = (hxS0 as SPI).send(z);
    out[0] = (d[0] as number) << 24 >> 8 | (d[1] as number) << 8 | (d[2] as number);
  }
  if ((go & 4) !== 0) {
    d = (hxS1 as SPI).send(z);
    out[1] = (d[0] as number) << 24 >> 8 | (d[1] as number) << 8 | (d[2] as number);
  }
  if ((go & 2) !== 0) {
    d = (hxS2 as SPI).send(z);
    out[2] = (d[0] as number) << 24 >> 8 | (d[1] as number) << 8 | (d[2] as number);
  }
  if ((go & 1) !== 0) {
    d = (hxS3 as SPI).send(z);
    out[3] = (d[0] as number) << 24 >> 8 | (d[1] as number) << 8 | (d[2] as number);
  }
  if ((go & 8) !== 0) p(hxK0, 1, ms);
  if ((go & 4) !== 0) p(hxK1, 1, ms);
  if ((go & 2) !== 0) p(hxK2, 1, ms);
  if ((go & 1) !== 0) p(hxK3, 1, ms);
}
