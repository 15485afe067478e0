/**
 * Bluetooth LE link (protocol/SPEC.md GATT layout): services declared once at boot with explicit
 * maxLen, advertising as "Tripod-XXXX" with the service UUID, and one paced outbox for every
 * notification.
 *
 * Pacing: NRF.updateServices drops a notification silently when the SoftDevice's transmit queue is
 * full, and that queue holds 1 notification by default and empties once per connection event. So
 * at most ONE notification (sample frame, response or event) leaves per PACE_MS, just over the
 * connection interval we request (15 ms): every send then falls in its own connection event. That
 * caps the link at 62 notifications/s: 80 Hz needs ~32/s with 20-byte payloads at the protocol's
 * ~8 bytes/sample, ~57/s for full-scale noise; with MTU 53 far fewer. When the link cannot keep up,
 * samples wait in the ring and the ring's overflow is counted exactly (OVERFLOW event). If a
 * central imposes a longer interval than we ask for, the radio may still drop frames; the sample
 * index makes each loss visible to the host.
 * Connection interval 15 ms: live feedback wants well under 50 ms from load to screen; 15 ms is
 * the shortest interval iOS and Android centrals grant routinely, and it costs far less power than
 * 7.5 ms (about 600 uA at 7.5 ms on a Puck.js).
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

export interface BleHandlers {
  /** A command arrived on the control characteristic. */
  onCommand(bytes: Uint8Array): void;
  /** Next sample frame to send over BLE, or null (null unless this link is the one streaming). */
  nextFrame(): Uint8Array | null;
  /** Connection state changed (true = a central connected). */
  onConnection(connected: boolean): void;
  /** The payload for sample frames changed (MTU exchange). */
  onPayload(payloadBytes: number): void;
}

export interface BleLink {
  connected(): boolean;
  /** Payload bytes per notification: MTU - 3, clamped to 20..50. */
  payload(): number;
  /** MTU in use, 0 when not connected. */
  mtu(): number;
  /** Queues a response or event (sent before any sample frame). */
  sendControl(bytes: Uint8Array): void;
  /** Queues a response that must follow every pending sample frame (the STOP_STREAM answer). */
  sendAfterData(bytes: Uint8Array): void;
  /** Makes sure the pump runs (it pulls sample frames from `nextFrame` when no response waits). */
  wake(): void;
  /** Sets the battery level characteristic (value only, read by the central). */
  setBattery(percent: number): void;
  /** Name in use for advertising. */
  name(): string;
  /** Advertises under a new name from now on. */
  rename(name: string): void;
}

/** "Tripod-XXXX": the last two address bytes, upper-case hex (as Espruino's own "Puck.js abcd"). */
export function defaultName(address: string): string {
  const hex = address.substr(12, 5).split(':').join('').toUpperCase();
  return 'Tripod-' + hex;
}

/** {service: {characteristic: ch}} for NRF.updateServices. */
function updateOf(uuid: string, ch: NrfCharacteristic): NrfServices {
  const m: { [c: string]: NrfCharacteristic } = {};
  m[uuid] = ch;
  const u: NrfServices = {};
  u[UUID_SERVICE] = m;
  return u;
}

function toBytes(data: ArrayBuffer): Uint8Array {
  return new Uint8Array(data);
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
  let isConnected = false;
  let isActive = false;
  let mtuNow = 0;
  let payloadNow = PAYLOAD_MIN;
  let pump = 0;
  let lastSend = -1e9;
  const ctl: Uint8Array[] = [];
  const tail: Uint8Array[] = [];

  declareServices(model, firmware, software, batteryPercent, function (evt: { data: ArrayBuffer }): void {
    isActive = true;
    h.onCommand(toBytes(evt.data));
    startPump();
  });
  NRF.setAdvertising({}, { name: name, showName: true, discoverable: true, connectable: true, interval: ADVERTISING_INTERVAL_MS });
  NRF.setConnectionInterval(CONNECTION_INTERVAL_MS);

  const dataCh: NrfCharacteristic = { value: new Uint8Array(0), notify: true };
  const respCh: NrfCharacteristic = { value: new Uint8Array(0), notify: true };
  const dataUpd = updateOf(UUID_DATA, dataCh);
  const respUpd = updateOf(UUID_RESPONSE, respCh);

  /** One pump tick: at most one notification, a response or event first, else a sample frame, else a response that waits for the data ("jit", no return). */
  function send(): void {
    "jit";
    var now = getTime() * 1000;
    if (now - lastSend >= PACE_MS - 0.01) {
      var msg: Uint8Array | null = null;
      var isData = false;
      if (ctl.length > 0) {
        msg = ctl.shift() as Uint8Array;
      } else {
        msg = h.nextFrame();
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
      }
    }
  }

  function startPump(): void {
    if (pump === 0 && isConnected) pump = setInterval(send, PACE_MS);
  }

  function stopPump(): void {
    if (pump !== 0) clearInterval(pump);
    pump = 0;
  }

  NRF.on('connect', function (): void {
    isConnected = true;
    isActive = false;
    mtuNow = 23;
    payloadNow = PAYLOAD_MIN;
    NRF.setConnectionInterval(CONNECTION_INTERVAL_MS);
    h.onConnection(true);
  });
  NRF.on('disconnect', function (): void {
    isConnected = false;
    isActive = false;
    mtuNow = 0;
    ctl.splice(0, ctl.length);
    tail.splice(0, tail.length);
    stopPump();
    h.onConnection(false);
  });
  NRF.on('mtu', function (m: number): void {
    mtuNow = m;
    const p = m - 3;
    payloadNow = p < PAYLOAD_MIN ? PAYLOAD_MIN : p > PAYLOAD_ESPRUINO_MAX ? PAYLOAD_ESPRUINO_MAX : p;
    h.onPayload(payloadNow);
  });

  return {
    connected: function (): boolean {
      return isConnected;
    },
    payload: function (): number {
      return payloadNow;
    },
    mtu: function (): number {
      return isConnected ? mtuNow : 0;
    },
    sendControl: function (bytes: Uint8Array): void {
      if (!isConnected || !isActive) return;
      if (ctl.length >= CONTROL_QUEUE_MAX) return;
      ctl.push(bytes);
      startPump();
    },
    sendAfterData: function (bytes: Uint8Array): void {
      if (!isConnected || !isActive) return;
      tail.push(bytes);
      startPump();
    },
    wake: function (): void {
      startPump();
    },
    setBattery: function (percent: number): void {
      const upd: NrfServices = {};
      const ch: { [c: string]: NrfCharacteristic } = {};
      ch[UUID_BATTERY_LEVEL] = { value: [percent] };
      upd[UUID_BATTERY_SERVICE] = ch;
      NRF.updateServices(upd);
    },
    name: function (): string {
      return name;
    },
    rename: function (n: string): void {
      name = n;
      NRF.setAdvertising({}, { name: n, showName: true, discoverable: true, connectable: true, interval: ADVERTISING_INTERVAL_MS });
    },
  };
}
