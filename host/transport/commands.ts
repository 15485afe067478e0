/**
 * Commands over any transport: request ids, one response per request, timeouts naming the command.
 * Each request subscribes to the transport's control messages BEFORE it writes, so a response that
 * comes back within the same tick cannot be missed (the muse-js pattern).
 */
import { filter, firstValueFrom, map, timeout, type Observable, TimeoutError } from 'rxjs';
import {
  AUTH_COMMANDS,
  AUTH_STATE_KEY_SET,
  CMD_AUTH,
  CMD_AUTH_CHALLENGE,
  CMD_SET_KEY,
  STATUS_AUTH_REQUIRED,
  STATUS_UNKNOWN_COMMAND,
  authTag,
  CMD_GET_CALIBRATION,
  CMD_GET_INFO,
  CMD_GET_NAME,
  CMD_IDENTIFY,
  CMD_SET_CALIBRATION,
  CMD_SET_FRAME_SAMPLES,
  CMD_SET_NAME,
  CMD_SET_SAMPLE_RATE,
  CMD_START_STREAM,
  FRAME_FORMAT_1,
  FRAME_FORMAT_2,
  CMD_STOP_STREAM,
  CMD_TARE,
  COMMAND_CODES,
  STATUS_OK,
  decodeDeviceMessage,
  encodeCommand,
  statusName,
  type CellCalibrationRecord,
  type CommandMessage,
  type DeviceInfo,
  type EventMessage,
  type ResponseMessage,
} from '../../protocol/index.ts';
import { fileKeys, type KeyProvider } from './keys.ts';
import type { Transport } from './transport.ts';

/** Default time a board gets to answer, ms. Generous: a BLE round trip at a slow interval is ~100 ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

export function commandName(code: number): string {
  for (const [name, c] of Object.entries(COMMAND_CODES)) if (c === code) return name;
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** The board answered with a status other than OK, or did not answer in time. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly command: string,
    /** STATUS_* from the board, or null for a timeout / link failure. */
    readonly status: number | null,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

/** What AUTH_CHALLENGE told about the board (protocol/SPEC.md 5.5); null from a board before 1.3. */
export interface AuthChallenge {
  nonce: Uint8Array;
  /** AUTH_STATE_* bits: a key is stored, the pairing window is open. */
  state: number;
  address: string;
}

export class CommandClient {
  private nextId = 1;
  private readonly inFlight = new Set<number>();
  /** Authenticated writes one at a time: the board holds one pending challenge. */
  private writeChain: Promise<unknown> = Promise.resolve();
  /** Device events from the control channel, decoded. */
  readonly events$: Observable<EventMessage>;

  /**
   * `keys` gives the key for a board address (default: the transport's own, e.g. the simulated
   * board's, else the host's key file, keys.ts); every write (AUTH_COMMANDS) is authenticated with it.
   */
  constructor(
    private readonly transport: Transport,
    private readonly defaultTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
    private readonly keys: KeyProvider = transport.boardKeys ?? fileKeys(),
  ) {
    this.events$ = transport.messages$.pipe(
      filter((m) => m.channel === 'control'),
      map((m) => decodeDeviceMessage(m.bytes)),
      filter((d) => d.ok && d.kind === 'event'),
      map((d) => (d as { event: EventMessage }).event),
    );
  }

  /**
   * Sends one command and resolves with its OK response; rejects with CommandError otherwise. A
   * write (AUTH_COMMANDS) is authenticated first (authenticateWrite); `auth: 'if-known'` (SET_KEY
   * when pairing) sends it without AUTH when the host has no key for the board.
   */
  async request(cmd: Omit<CommandMessage, 'reqId'>, timeoutMs = this.defaultTimeoutMs, auth: 'required' | 'if-known' = 'required'): Promise<ResponseMessage> {
    if (!AUTH_COMMANDS.includes(cmd.code)) return this.send(cmd, timeoutMs, null);
    const run = this.writeChain.then(() => this.send(cmd, timeoutMs, auth));
    this.writeChain = run.catch(() => {});
    return run;
  }

  /** AUTH_CHALLENGE: a fresh nonce and the board's key state and address; null when the board predates protocol 1.3. */
  async challenge(): Promise<AuthChallenge | null> {
    try {
      const r = await this.send({ code: CMD_AUTH_CHALLENGE }, this.defaultTimeoutMs, null);
      return { nonce: r.nonce!, state: r.authState ?? 0, address: r.address ?? '' };
    } catch (e) {
      if (e instanceof CommandError && e.status === STATUS_UNKNOWN_COMMAND) return null;
      throw e;
    }
  }

  /** Stores a new key on the board (SET_KEY), authenticated with the old one when the host has it. */
  async setKey(key: Uint8Array): Promise<void> {
    await this.request({ code: CMD_SET_KEY, key }, this.defaultTimeoutMs, 'if-known');
  }

  /**
   * AUTH_CHALLENGE, then AUTH with the SipHash-2-4 tag over the nonce and `message` (the exact
   * bytes about to be sent). A board before 1.3 has no AUTH: nothing to do. Without a key for the
   * board: a CommandError naming `tripod pair` (or nothing, for 'if-known').
   */
  private async authenticateWrite(message: Uint8Array, name: string, auth: 'required' | 'if-known'): Promise<void> {
    const ch = await this.challenge();
    if (ch === null) return;
    const key = this.keys(ch.address);
    if (key === null) {
      if (auth === 'if-known') return;
      const why = (ch.state & AUTH_STATE_KEY_SET) === 0 ? 'the board has no key yet' : 'this host does not hold its key';
      throw new CommandError(`cannot send ${name} to board ${ch.address}: ${why}; run 'tripod pair' (press the board's button first when pairing over Bluetooth)`, name, null);
    }
    await this.send({ code: CMD_AUTH, tag: authTag(key, ch.nonce, message) }, this.defaultTimeoutMs, null);
  }

  private async send(cmd: Omit<CommandMessage, 'reqId'>, timeoutMs: number, auth: 'required' | 'if-known' | null): Promise<ResponseMessage> {
    const name = commandName(cmd.code);
    const reqId = this.allocateId();
    const message = encodeCommand({ ...cmd, reqId });
    if (auth !== null) {
      try {
        await this.authenticateWrite(message, name, auth);
      } catch (e) {
        this.inFlight.delete(reqId);
        throw e;
      }
    }
    const answer = firstValueFrom(
      this.transport.messages$.pipe(
        filter((m) => m.channel === 'control'),
        map((m) => decodeDeviceMessage(m.bytes)),
        filter((d): d is { ok: true; kind: 'response'; response: ResponseMessage } => d.ok && d.kind === 'response' && d.response.reqId === reqId),
        map((d) => d.response),
        timeout({ first: timeoutMs }),
      ),
    );
    try {
      await this.transport.send(message); // the subscription above is live before this write
    } catch (e) {
      answer.catch(() => {});
      this.inFlight.delete(reqId);
      throw new CommandError(`could not send ${name}: ${(e as Error).message}`, name, null);
    }
    let r: ResponseMessage;
    try {
      r = await answer;
    } catch (e) {
      if (e instanceof TimeoutError) {
        throw new CommandError(`board did not answer ${name} within ${timeoutMs} ms (request id ${reqId}); is the firmware running and up to date?`, name, null, true);
      }
      throw new CommandError(`${name} failed: the link closed before the answer (${(e as Error).message ?? 'no more messages'})`, name, null);
    } finally {
      this.inFlight.delete(reqId);
    }
    if (r.code !== cmd.code) throw new CommandError(`board answered request ${reqId} (${name}) for command ${commandName(r.code)}`, name, r.status);
    if (r.status === STATUS_AUTH_REQUIRED) {
      const why = cmd.code === CMD_SET_KEY
        ? "a board takes a new key over the wired link, within 30 s of a press of its button, or with its old key: press the button and run 'tripod pair' again"
        : "the key this host holds is not the board's; run 'tripod pair' again";
      throw new CommandError(`board refused ${name}: AUTH_REQUIRED (0x07): ${why}`, name, r.status);
    }
    if (r.status !== STATUS_OK) throw new CommandError(`board refused ${name}: ${statusName(r.status)} (0x${r.status.toString(16).padStart(2, '0')})`, name, r.status);
    return r;
  }

  async getInfo(): Promise<DeviceInfo> {
    const r = await this.request({ code: CMD_GET_INFO });
    if (!r.info) throw new CommandError('GET_INFO answer carried no info body', 'GET_INFO', r.status);
    return r.info;
  }

  /**
   * Starts (or restarts) the stream, asking for `frameFormat` (default 2: KEY2/DELTA2, protocol 1.2,
   * whose sequence numbers let the decoder report every lost frame; SPEC.md 4.8 and 5.3). Resolves
   * with the format the board uses: what it answered, or 1 when the answer has no format byte (a 1.1
   * board ignores the argument and sends KEY/DELTA). The decoder reads either kind as it comes.
   */
  async startStream(frameFormat: 1 | 2 = FRAME_FORMAT_2): Promise<number> {
    const r = await this.request({ code: CMD_START_STREAM, frameFormat });
    return r.frameFormat ?? FRAME_FORMAT_1;
  }

  async stopStream(): Promise<void> {
    await this.request({ code: CMD_STOP_STREAM });
  }

  async getCalibration(): Promise<CellCalibrationRecord[]> {
    const out: CellCalibrationRecord[] = [];
    for (let cell = 0; cell < 4; cell++) {
      const r = await this.request({ code: CMD_GET_CALIBRATION, cell });
      if (!r.calibration) throw new CommandError(`GET_CALIBRATION of cell ${cell} carried no record`, 'GET_CALIBRATION', r.status);
      out.push(r.calibration);
    }
    return out;
  }

  async setCalibration(rec: CellCalibrationRecord): Promise<CellCalibrationRecord> {
    const r = await this.request({ code: CMD_SET_CALIBRATION, calibration: rec });
    return r.calibration ?? rec;
  }

  /** Zeroes the cells on the board; resolves with the four new offsets (counts). */
  async tare(samples = 0, timeoutMs = 5000): Promise<number[]> {
    const r = await this.request({ code: CMD_TARE, samples }, timeoutMs);
    if (!r.offsets) throw new CommandError('TARE answer carried no offsets', 'TARE', r.status);
    return r.offsets;
  }

  async setSampleRate(hz: 10 | 80): Promise<number> {
    return (await this.request({ code: CMD_SET_SAMPLE_RATE, sampleRateHz: hz })).sampleRateHz ?? hz;
  }

  async setFrameSamples(n: number): Promise<number> {
    return (await this.request({ code: CMD_SET_FRAME_SAMPLES, samplesPerFrame: n })).samplesPerFrame ?? n;
  }

  async identify(seconds = 0): Promise<void> {
    await this.request({ code: CMD_IDENTIFY, seconds });
  }

  async getName(): Promise<string> {
    return (await this.request({ code: CMD_GET_NAME })).name ?? '';
  }

  async setName(name: string): Promise<string> {
    return (await this.request({ code: CMD_SET_NAME, name })).name ?? name;
  }

  private allocateId(): number {
    for (let k = 0; k < 256; k++) {
      const id = this.nextId;
      this.nextId = (this.nextId + 1) & 0xff;
      if (!this.inFlight.has(id)) {
        this.inFlight.add(id);
        return id;
      }
    }
    throw new CommandError('256 commands in flight: the board is not answering', 'any', null);
  }
}
