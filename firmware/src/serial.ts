/**
 * Wired link on the board's UART (Serial1): the same messages as BLE, each framed as
 * 0x00, COBS(message || CRC-32 LE), 0x00 (protocol/serial-framing.ts, CRC from the native E.CRC32).
 *
 * The console: while Serial1 carries the REPL, Espruino hands its input to the REPL and none to
 * our 'data' handler, and anything printed would be mixed into the frames. So while the wired link
 * is enabled the console is parked on LoopbackA (E.setConsole); while streaming it is forced there
 * ({force: true}) so a BLE connection cannot take it mid-stream; after STOP_STREAM the force is
 * released (a BLE central may then take the REPL). Disabling the link (settings.serial = false)
 * gives Serial1 back to the console. To reach a wired REPL on a board whose saved code enables
 * the link, boot with BTN held (Espruino then skips the saved code).
 * Pacing: Serial1.write blocks while the UART buffer is full, so frames go out from a timer, up to
 * FRAMES_PER_PUMP per SERIAL_PUMP_MS (115200 baud moves ~11 KB/s; 80 Hz needs < 1.5 KB/s).
 */
import { SERIAL_PAYLOAD } from '../../protocol/constants.ts';
import { createSerialDeframer, encodeSerialFrame } from '../../protocol/serial-framing.ts';

export const SERIAL_BAUD = 115200;
export const SERIAL_PUMP_MS = 10;
export const FRAMES_PER_PUMP = 4;
/** Responses and events waiting; more are dropped (and counted). */
export const SERIAL_CONTROL_MAX = 8;

export interface SerialHandlers {
  onCommand(bytes: Uint8Array): void;
  /** Next sample frame for the wired link, or null (null unless this link is the one streaming). */
  nextFrame(): Uint8Array | null;
}

export interface SerialLink {
  /** True once a valid command arrived on the wire (a host is listening). */
  active(): boolean;
  payload(): number;
  sendControl(bytes: Uint8Array): void;
  /** Queues a response that must follow every pending sample frame (the STOP_STREAM answer). */
  sendAfterData(bytes: Uint8Array): void;
  /** Streaming on this link: console forced away; off: force released. */
  setStreaming(on: boolean): void;
  /** Frames dropped by the deframer (CRC, COBS, size) since boot. */
  rxErrors(): number;
  /** Parks the console again (Espruino returns it to Serial1 when a BLE central leaves). */
  repark(): void;
}

function crcOf(d: Uint8Array): number {
  return E.CRC32(d) >>> 0;
}

/** Opens Serial1 on rx/tx and parks the console. Call once at boot when the board has a UART. */
export function setupSerial(rx: Pin, tx: Pin, h: SerialHandlers): SerialLink {
  const deframer = createSerialDeframer(64, crcOf);
  const ctl: Uint8Array[] = [];
  const tail: Uint8Array[] = [];
  let isActive = false;
  let streaming = false;
  let pump = 0;

  Serial1.setup(SERIAL_BAUD, { rx: rx, tx: tx });
  E.setConsole(LoopbackA);
  Serial1.on('data', function (data: string): void {
    const msgs = deframer.push(E.toUint8Array(data));
    for (let i = 0; i < msgs.length; i++) {
      isActive = true;
      h.onCommand(msgs[i] as Uint8Array);
    }
    if (isActive && pump === 0) pump = setInterval(send, SERIAL_PUMP_MS);
  });

  function write(msg: Uint8Array): void {
    Serial1.write(encodeSerialFrame(msg, crcOf(msg)));
  }

  function send(): void {
    for (let k = 0; k < FRAMES_PER_PUMP; k++) {
      let msg: Uint8Array | null = null;
      if (ctl.length > 0) msg = ctl.shift() as Uint8Array;
      else msg = h.nextFrame();
      if (msg === null && tail.length > 0) msg = tail.shift() as Uint8Array;
      if (msg === null) return;
      write(msg);
    }
  }

  return {
    active: function (): boolean {
      return isActive;
    },
    payload: function (): number {
      return SERIAL_PAYLOAD;
    },
    sendControl: function (bytes: Uint8Array): void {
      if (!isActive) return;
      if (ctl.length < SERIAL_CONTROL_MAX) ctl.push(bytes);
    },
    sendAfterData: function (bytes: Uint8Array): void {
      if (isActive && tail.length < SERIAL_CONTROL_MAX) tail.push(bytes);
    },
    setStreaming: function (on: boolean): void {
      if (on !== streaming) E.setConsole(LoopbackA, { force: on });
      streaming = on;
    },
    repark: function (): void {
      E.setConsole(LoopbackA, { force: streaming });
    },
    rxErrors: function (): number {
      const s = deframer.stats;
      return s.crcErrors + s.cobsErrors + s.shortFrames + s.oversizeFrames;
    },
  };
}
