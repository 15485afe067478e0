import type { VirtualClock } from './clock.ts';
import * as bus from './native-memory.ts';
import type { NativeGpio } from './native-memory.ts';
import { isOutputMode, type PinBank } from './pins.ts';

/**
 * GPIO port P0 for native code, wired to the board's PinBank at the exact virtual time of each
 * access: a call starts at `t0` (virtual s) and an access in CPU cycle k happens at t0 + k / hz.
 * Before each access the clock moves to that time and due hardware events (HX711 conversions,
 * digitalPulse edges) are applied, so the HX711 model sees the true pulse widths of the code.
 *
 * Registers (nRF52832 PS v1.4, 23.3): OUT (latch; read and write), OUTSET/OUTCLR (write 1s to set /
 * clear latch bits; read as OUT), IN (pin levels now), DIR (1 = output), DIRSET/DIRCLR (read as DIR).
 * IN shows a pin's level only while its input buffer is connected, and reads 0 otherwise (our
 * reading of the PS GPIO block diagram: the disconnected buffer's output is held low). Espruino's
 * nRF5x port (jshPinSetState) configures pins through the nRF5 SDK: `nrf_gpio_cfg_output` (mode
 * 'output'), open-drain and the default/analog state disconnect the input buffer; the input modes
 * connect it. So native code sees a DOUT pin only after the firmware made it an input (pinMode
 * or a digitalRead), and reads 0 from its own outputs (read OUT for those), as on the device.
 * Writing DIR bits sets the pin's mode to 'output' (1) or 'input' (0), as pinMode would.
 * A latch bit changed on a pin that is not an output (DIR 0 or an input mode) changes the latch
 * only: the pin does not move and nothing outside sees an edge, as on the chip.
 * Not modelled: PIN_CNF (pull, drive strength, sense), LATCH, DETECTMODE (the bus faults on them).
 */

// A module-local copy: the register switch runs per GPIO access, and a module runner that turns
// imports into property reads (vitest's) would add a getter call per use.
const { GPIO_REGS } = bus;

export class PinBankGpio implements NativeGpio {
  /** Virtual time of cycle 0 of the running call, s. */
  t0 = 0;
  /** GPIO register accesses since creation. */
  accesses = 0;

  /**
   * `onInRead(t)` is told of every IN read (the board passes it to the HX711 models, which judge
   * the datasheet's T2: DOUT sampled too soon after a clock edge).
   */
  constructor(
    private readonly pins: PinBank,
    private readonly clock: VirtualClock,
    private readonly hz: number,
    private readonly onInRead: (t: number) => void = () => {},
  ) {}

  /** Moves the clock to the access time and applies hardware events due by then. */
  private at(cycle: number): number {
    const t = this.t0 + cycle / this.hz;
    if (t > this.clock.now) this.clock.now = t;
    this.clock.flushHardware(this.clock.now);
    this.accesses++;
    return this.clock.now;
  }

  read(reg: number, cycle: number): number {
    const t = this.at(cycle);
    const pins = this.pins;
    let v = 0;
    switch (reg) {
      case GPIO_REGS.OUT:
        for (let p = 0; p < 32; p++) if (pins.out[p]) v |= 1 << p;
        return v;
      case GPIO_REGS.IN:
        // the pins whose input buffer is connected, lowest first (an IN read per bit of every HX711 read)
        for (let m = pins.inputMask; m !== 0; m &= m - 1) {
          const p = 31 - Math.clz32(m & -m);
          if (pins.level(p, t)) v |= 1 << p;
        }
        this.onInRead(t);
        return v;
      case GPIO_REGS.DIR:
        return pins.outputMask | 0;
      default:
        throw new Error(`PinBankGpio: read of register offset 0x${reg.toString(16)} (the bus passes only OUT, IN and DIR)`);
    }
  }

  write(reg: number, value: number, cycle: number): void {
    const t = this.at(cycle);
    const R = GPIO_REGS;
    const latch = reg === R.OUT || reg === R.OUTSET || reg === R.OUTCLR;
    if (!latch && reg !== R.DIR && reg !== R.DIRSET && reg !== R.DIRCLR) {
      throw new Error(`PinBankGpio: write of register offset 0x${reg.toString(16)} (IN is read-only)`);
    }
    // OUT/DIR write every pin; the SET/CLR registers change only the pins whose bit is 1
    const whole = reg === R.OUT || reg === R.DIR;
    const to = reg === R.OUTSET || reg === R.DIRSET ? 1 : 0;
    for (let p = 0; p < 32; p++) {
      const bit = (value >>> p) & 1;
      if (!whole && !bit) continue;
      const level = whole ? bit : to;
      if (latch) this.setLatch(p, level, t);
      else this.setDir(p, level, t);
    }
  }

  private setLatch(p: number, v: number, t: number): void {
    const pins = this.pins;
    if (isOutputMode(pins.mode[p]!)) pins.drive(p, v, t);
    else pins.out[p] = v;
  }

  /** DIR 1 makes the pin an output driving its latch (listeners see the latch level now). */
  private setDir(p: number, out: number, t: number): void {
    const pins = this.pins;
    const isOut = isOutputMode(pins.mode[p]!);
    if (out && !isOut) {
      pins.setMode(p, 'output');
      const latch = pins.out[p]!;
      pins.out[p] = latch ^ 1; // so drive() reports the level the pin takes now
      pins.drive(p, latch, t);
    } else if (!out && isOut) pins.setMode(p, 'input');
  }
}
