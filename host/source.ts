/**
 * Which board a session talks to. The CLI builds one from its flags (cli/source-flags.ts); a script
 * passes one to openBoard directly. `transport` is the caller's own Transport (any object
 * implementing transport/transport.ts), opened and closed by the session like the built-in ones.
 */
import type { Transport } from './transport/transport.ts';

export type BoardSource =
  /** The simulated board: the emulator running the built firmware. seed: its noise seed. */
  | { kind: 'sim'; seed?: number; realtime?: boolean }
  /** A board over Bluetooth LE; id: its noble id, address or advertised name (first Tripod board found when absent). */
  | { kind: 'ble'; id?: string }
  /** A board on a serial port (e.g. /dev/ttyUSB0), or tcp://host:port (the serial protocol over TCP, e.g. an emulator's REPL port). */
  | { kind: 'serial'; path: string }
  /** A recording played back; speed: 1 real time, Infinity as fast as possible. */
  | { kind: 'replay'; file: string; speed: number }
  /** A transport the caller made. */
  | { kind: 'transport'; transport: Transport };
