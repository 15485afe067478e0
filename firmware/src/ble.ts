/**
 * Bluetooth LE link (protocol/SPEC.md GATT layout): services declared once at boot with explicit
 * maxLen, advertising as "Tripod-XXXX" with the service UUID, and one paced outbox for every
 * notification.
 *
 * Pacing: NRF.updateServices drops a notification silently when the SoftDevice's transmit queue is
 * full, and that queue holds 1 notification by default and empties once per connection event. So
 * at most ONE notification (sample frame, response or event) leaves per PACE_MS, just over the
 * connection interval we request (15 ms): every send then falls in its own connection event (62/s
 * at most). Sample frames go out as soon as they are full: the sampler calls h.sendNow right after
 * the read that completed one (firmware/README.md "Pacing"), and the radio sends it at the next
 * connection event; Espruino tells JavaScript nothing about the events themselves. 2 samples per
 * frame at 80 Hz need 40 notifications/s. When the link cannot keep up, samples wait in the ring
 * and the ring's overflow is counted exactly (OVERFLOW event). If a central imposes a longer
 * interval than 25 ms, the radio drops frames; the sample index makes each loss visible to the host.
 * Connection interval 15 ms: live feedback wants well under 50 ms from load to screen; 15 ms is
 * the shortest interval iOS grants (Android and Linux grant 7.5 ms), and it costs far less power
 * than 7.5 ms (about 600 uA at 7.5 ms on a Puck.js).
 * "Notify only while subscribed": Espruino reports no subscription events, so the firmware sends on
 * a BLE link only after the host has written a command on it (the spec has the host subscribe to
 * the data and response characteristics first); sample frames only after START_STREAM.
 */
import {
  CONTROL_MAX_BYTES,
  PAYLOAD_ESPRUINO_MAX,
  PAYLOAD_MIN,
  UUID_BATTERY_LEVEL,
  UUID_BATTERY_SERVICE,
  UUID_CONTROL,
  UUID_DATA,
  UUID_DEVICE_INFO_SERVICE,
  UUID_FIRMWARE_REVISION,
  UUID_SOFTWARE_REVISION,
  UUID_MANUFACTURER_NAME,
  UUID_MODEL_NUMBER,
  UUID_RESPONSE,
  UUID_SERVICE,
} from '../../protocol/constants.ts';

/** Connection interval requested from the central, ms. */
export const CONNECTION_INTERVAL_MS = 15;
/** Minimum time between two notifications, ms (one per connection event). */
export const PACE_MS = 16;
/** Responses and events waiting for the radio; more are dropped. */
export const CONTROL_QUEUE_MAX = 8;
/** Advertising interval, ms (Espruino's default 375 ms: ~20 uA on a Puck.js). */
export const ADVERTISING_INTERVAL_MS = 375;

/** BleHandlers.on events (its first argument; the build writes the numbers in). */
/** A command arrived on the control characteristic: arg its bytes. */
export const BLE_ON_COMMAND = 0;
/** A central connected. */
export const BLE_ON_CONNECT = 1;
/** The central disconnected. */
export const BLE_ON_DISCONNECT = 2;
/** The payload for sample frames changed (MTU exchange): arg the payload bytes. */
export const BLE_ON_PAYLOAD = 3;

export interface BleHandlers {
  /** What happened on the link (BLE_ON_*): one function rather than one per event (firmware/README.md "Memory"). */
  on(event: number, arg?: Uint8Array | number): void;
  /** Next sample frame to send over BLE, or null (null unless this link is the one streaming). */
  nextFrame(): Uint8Array | null;
  /** Set by setupBle: sends the next notification now if the pace allows, else arms the pump for when it does (the sampler calls it as soon as a frame's worth of samples is in the ring). */
  sendNow?: () => void;
}

/** BleLink.ctl operations (its first argument; the build writes the numbers in). */
/** Returns 1 while a central is connected, else 0. */
export const BLE_CONNECTED = 0;
/** Returns the payload bytes per notification: MTU - 3, clamped to 20..50. */
export const BLE_PAYLOAD = 1;
/** Returns the MTU in use, 0 when not connected. */
export const BLE_MTU = 2;
/** Queues arg (bytes: a response or event), sent before any sample frame. */
export const BLE_SEND = 3;
/** Queues arg (bytes: a response that must follow every pending sample frame, the STOP_STREAM answer). */
export const BLE_SEND_AFTER_DATA = 4;
/** Makes sure the pump runs once (it pulls a sample frame from `nextFrame` when no response waits; then the sampler's h.sendNow takes over). */
export const BLE_WAKE = 5;
/** Sets the battery level characteristic to arg (percent; value only, read by the central). */
export const BLE_BATTERY = 6;
/** Advertises under the name arg from now on. */
export const BLE_RENAME = 7;

/**
 * The BLE link: every operation (BLE_*) through one function, because on the board an object of
 * one method per operation cost about 7 variables each (firmware/README.md "Memory").
 */
export type BleLink = (op: number, arg?: Uint8Array | number | string) => number;

/** "Tripod-XXXX": the last two address bytes, upper-case hex (as Espruino's own "Puck.js abcd"). */
export function defaultName(address: string): string {
  const hex = address.substr(12, 5).split(':').join('').toUpperCase();
  return 'Tripod-' + hex;
}

/** {service: {characteristic: ch}} for NRF.updateServices. */
function updateOf(uuid: string, ch: NrfCharacteristic): NrfServices {
  'boot';
  const m: { [c: string]: NrfCharacteristic } = {};
  m[uuid] = ch;
  const u: NrfServices = {};
  u[UUID_SERVICE] = m;
  return u;
}

/**
 * Declares the GATT services (protocol/SPEC.md GATT table) once at boot. Espruino keeps this object
 * for as long as the services exist (jswrap_bluetooth.c stores it to set the services up again), so
 * it holds nothing it does not need: no descriptions, no empty initial values (Espruino starts a
 * characteristic without `value` empty), no maxLen where the fixed value gives it.
 * `uart: false`: no Nordic UART service, so nobody in range gets Espruino's JavaScript console (and
 * with it Storage and the boot code). The console is reachable again as the wired one is: hold the
 * button while powering up, Espruino then skips the saved code and its default services return.
 */
function declareServices(model: string, firmware: string, software: string, batteryPercent: number, onWrite: (evt: { data: ArrayBuffer }) => void): void {
  'boot';
  const services: NrfServices = {};
  const main: { [c: string]: NrfCharacteristic } = {};
  main[UUID_DATA] = { maxLen: PAYLOAD_ESPRUINO_MAX, readable: true, notify: true };
  main[UUID_CONTROL] = { maxLen: CONTROL_MAX_BYTES, writable: true, onWrite: onWrite };
  main[UUID_RESPONSE] = { maxLen: CONTROL_MAX_BYTES, readable: true, notify: true };
  services[UUID_SERVICE] = main;
  const bat: { [c: string]: NrfCharacteristic } = {};
  bat[UUID_BATTERY_LEVEL] = { value: [batteryPercent], maxLen: 1, readable: true, notify: true };
  services[UUID_BATTERY_SERVICE] = bat;
  const dis: { [c: string]: NrfCharacteristic } = {};
  dis[UUID_MANUFACTURER_NAME] = { value: 'Tripod', readable: true };
  dis[UUID_MODEL_NUMBER] = { value: model, readable: true };
  dis[UUID_FIRMWARE_REVISION] = { value: firmware, readable: true };
  dis[UUID_SOFTWARE_REVISION] = { value: software, readable: true };
  services[UUID_DEVICE_INFO_SERVICE] = dis;
  NRF.setServices(services, { uart: false, advertise: [UUID_SERVICE] });
}

/** Declares the services, starts advertising and returns the link. Call once at boot. */
export function setupBle(name: string, model: string, firmware: string, software: string, batteryPercent: number, h: BleHandlers): BleLink {
  'boot';
  let isConnected = false;
  let isActive = false;
  let mtuNow = 0;
  let payloadNow = PAYLOAD_MIN;
  let pump = 0;
  let lastSend = -1e9;
  /** A sample frame taken from nextFrame but not sent yet (the pace): it goes before any other frame. */
  let held: Uint8Array | null = null;
  const ctl: Uint8Array[] = [];
  const tail: Uint8Array[] = [];

  declareServices(model, firmware, software, batteryPercent, function (evt: { data: ArrayBuffer }): void {
    isActive = true;
    h.on(BLE_ON_COMMAND, new Uint8Array(evt.data));
    startPump();
  });
  // The closures below keep this scope: drop the strings only the services needed.
  model = firmware = software = '';
  NRF.setAdvertising({}, { name: name, showName: true, discoverable: true, connectable: true, interval: ADVERTISING_INTERVAL_MS });
  NRF.setConnectionInterval(CONNECTION_INTERVAL_MS);

  const dataCh: NrfCharacteristic = { value: new Uint8Array(0), notify: true };
  const respCh: NrfCharacteristic = { value: new Uint8Array(0), notify: true };
  const dataUpd = updateOf(UUID_DATA, dataCh);
  const respUpd = updateOf(UUID_RESPONSE, respCh);

  /**
   * At most one notification, if the pace allows: a response or event first, else a sample frame,
   * else a response that waits for the data. Called by the sampler right after a read that left a
   * frame's worth of samples in the ring (h.sendNow: the frame goes to the radio at once, and the
   * SoftDevice sends it at the next connection event) and by the pump. The pump is a timer that runs
   * only while something other than the steady stream waits (responses, events, the drain after
   * STOP_STREAM) or a send came too soon after the last one: it fires when the pace allows.
   * Not "jit": on a board the JIT keeps each compiled function's machine code in RAM for as long as it
   * exists (firmware/README.md "Memory"), and this one runs about 40 times a second, not per sample.
   */
  function send(): void {
    var now = getTime() * 1000;
    var wait = lastSend + PACE_MS - now;
    if (wait > 0.01) {
      if (pump === 0) pump = setTimeout(tick, wait);
      return;
    }
    var msg: Uint8Array | null = null;
    var isData = false;
    if (ctl.length > 0) {
      msg = ctl.shift() as Uint8Array;
    } else {
      msg = held !== null ? held : h.nextFrame();
      held = null;
      isData = true;
      if (msg === null && tail.length > 0) {
        msg = tail.shift() as Uint8Array;
        isData = false;
      }
    }
    if (msg !== null) {
      if (isData) {
        dataCh.value = msg;
        NRF.updateServices(dataUpd);
      } else {
        respCh.value = msg;
        NRF.updateServices(respUpd);
      }
      lastSend = now;
      // A step of the encoder can close two frames when one was cut early: a KEY, which holds one
      // sample at payload 20, or a DELTA that filled the payload. After such a frame (20 bytes or
      // more) take the next one now and have the pump send it when the pace allows; after the usual
      // short DELTA there is none (asking every time cost 0.2 ms per sample set on the estimate).
      if (isData && msg.length >= PAYLOAD_MIN) held = h.nextFrame();
      if (pump === 0 && (ctl.length + tail.length > 0 || held !== null)) pump = setTimeout(tick, PACE_MS);
    }
  }

  /** The pump's timer: one send, which re-arms it while something waits. */
  function tick(): void {
    pump = 0;
    send();
  }
  h.sendNow = send;

  /** Makes sure the pump runs (now, or when the pace allows). */
  function startPump(): void {
    if (pump === 0 && isConnected) pump = setTimeout(tick, 0);
  }

  NRF.on('connect', function (): void {
    isConnected = true;
    isActive = false;
    mtuNow = 23;
    payloadNow = PAYLOAD_MIN;
    NRF.setConnectionInterval(CONNECTION_INTERVAL_MS);
    h.on(BLE_ON_CONNECT);
  });
  NRF.on('disconnect', function (): void {
    isConnected = false;
    isActive = false;
    mtuNow = 0;
    ctl.splice(0, ctl.length);
    tail.splice(0, tail.length);
    held = null;
    if (pump !== 0) clearTimeout(pump);
    pump = 0;
    h.on(BLE_ON_DISCONNECT);
  });
  NRF.on('mtu', function (m: number): void {
    mtuNow = m;
    const p = m - 3;
    payloadNow = p < PAYLOAD_MIN ? PAYLOAD_MIN : p > PAYLOAD_ESPRUINO_MAX ? PAYLOAD_ESPRUINO_MAX : p;
    h.on(BLE_ON_PAYLOAD, payloadNow);
  });

  return function (op: number, arg?: Uint8Array | number | string): number {
    if (op === BLE_CONNECTED) return isConnected ? 1 : 0;
    if (op === BLE_PAYLOAD) return payloadNow;
    if (op === BLE_MTU) return isConnected ? mtuNow : 0;
    if (op === BLE_SEND || op === BLE_SEND_AFTER_DATA) {
      if (!isConnected || !isActive) return 0;
      if (op === BLE_SEND_AFTER_DATA) tail.push(arg as Uint8Array);
      else if (ctl.length < CONTROL_QUEUE_MAX) ctl.push(arg as Uint8Array);
      else return 0;
    } else if (op === BLE_BATTERY) {
      const upd: NrfServices = {};
      const ch: { [c: string]: NrfCharacteristic } = {};
      ch[UUID_BATTERY_LEVEL] = { value: [arg as number] };
      upd[UUID_BATTERY_SERVICE] = ch;
      NRF.updateServices(upd);
      return 0;
    } else if (op === BLE_RENAME) {
      NRF.setAdvertising({}, { name: arg as string, showName: true, discoverable: true, connectable: true, interval: ADVERTISING_INTERVAL_MS });
      return 0;
    }
    startPump();
    return 0;
  };
}
