/**
 * `tripod/emulator`: boards without hardware, for tests and demos. createBoard runs the built
 * firmware on the emulated nRF52 and HX711s (loads from a LoadSource); FakeRadio puts such boards
 * behind noble as a Bluetooth radio (pass it as TransportFactory's bleBindings); openBoard({ kind:
 * 'sim' }) needs neither.
 */
export * from '../firmware/emulator/index.ts';
export { FakeRadio } from './transport/fake-radio.ts';
