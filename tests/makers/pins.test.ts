/** `tripod flash --board custom --pins`: the two pin-list forms (host/flash/pins.ts). */
import { describe, expect, it } from 'vitest';
import { parsePins, pinsStatement } from '../../host/flash/pins.ts';

describe('--pins', () => {
  it('nine pins: one clock per chip (SCK0..SCK3, RATE, DOUT0..DOUT3)', () => {
    expect(parsePins('11,12,13,14,15,16,17,18,19')).toEqual({ sck: [11, 12, 13, 14], rate: 15, dout: [16, 17, 18, 19] });
    expect(parsePins('3, 4, 5, 6, -1, 20, 21, 22, 23')).toEqual({ sck: [3, 4, 5, 6], rate: -1, dout: [20, 21, 22, 23] });
  });

  it('six pins: one shared clock (the old form, still accepted)', () => {
    expect(parsePins('14,15,16,17,18,19')).toEqual({ sck: 14, rate: 15, dout: [16, 17, 18, 19] });
    expect(parsePins('28,-1,1,2,30,31')).toEqual({ sck: 28, rate: -1, dout: [1, 2, 30, 31] });
  });

  it('refuses other counts, pins out of 0..31, -1 anywhere but RATE, and repeated pins', () => {
    for (const bad of ['1,2,3', '1,2,3,4,5,6,7', '11,12,13,14,15,16,17,18,32', '-1,15,16,17,18,19', '11,12,13,-1,15,16,17,18,19', '11,11,13,14,15,16,17,18,19']) {
      expect(() => parsePins(bad), bad).toThrow(/--pins/);
    }
  });

  it('stores the clock list as an array in tripod.json', () => {
    expect(pinsStatement(parsePins('11,12,13,14,15,16,17,18,19'))).toContain('s.pins={sck:[11,12,13,14],rate:15,dout:[16,17,18,19]}');
    expect(pinsStatement(parsePins('14,15,16,17,18,19'))).toContain('s.pins={sck:14,rate:15,dout:[16,17,18,19]}');
  });
});
