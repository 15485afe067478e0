/**
 * The simulated board: the board emulator (firmware/emulator) running the built firmware
 * (firmware/dist/tripod.js) in real time, reached through the emulator's simulated BLE link exactly
 * as a phone or laptop would: connect with an MTU, subscribe, write commands, receive notifications.
 * Loads come from the scoring helper's synthetic person by default (host/sim/person.ts).
 *
 * A link loss (injected by tests with `loseLink()`) is handled like BLE: 'link-lost', reconnect
 * with backoff, resubscribe, 'link-restored'.
 */
import { UUID_CONTROL, UUID_DATA, UUID_RESPONSE, UUID_SOFTWARE_REVISION } from '../../protocol/index.ts';
import { reconnectLink } from './backoff.ts';
import { nowMs, TransportError, TransportStreams, type Transport } from './transport.ts';

/** Four cell forces in N at board time t (s). */
export type LoadSource = (tSeconds: number) => [number, number, number, number];

/** The parts of the emulator's EmulatedBoard this transport uses (firmware/emulator/index.ts). */
export interface EmulatedBoardLike {
  ble: {
    connect(opts: { mtu?: number; intervalMs?: number }): SimLink;
  };
  stop(): void;
}

export interface SimLink {
  mtu: number;
  connected: boolean;
  subscribe(charUuid: string): void;
  onNotify(cb: (charUuid: string, bytes: Uint8Array) => void): () => void;
  onDisconnect(cb: (reason: number) => void): () => void;
  write(charUuid: string, bytes: Uint8Array): void;
  /** Reads a characteristic's value (the emulator's central API). */
  read?(charUuid: string): Uint8Array;
  disconnect(): void;
  loseLink?(): void;
}

export interface SimTransportOptions {
  /** An already-created board (tests); otherwise one is created with createBoard. */
  board?: EmulatedBoardLike;
  /** Loads when the board is created here; default: the synthetic person (host/sim/person.ts). */
  loads?: LoadSource;
  seed?: number;
  /** MTU the host asks for. Defaults to 247 (the board grants at most 53, as Espruino does). */
  mtu?: number;
  /** Connection interval the central imposes, ms; default: the firmware's request. */
  intervalMs?: number;
  /** Reconnect backoff, as for BLE. */
  reconnectInitialMs?: number;
  reconnectAttempts?: number;
}

const norm = (u: string): string => u.toLowerCase().replace(/-/g, '');
const DATA = norm(UUID_DATA);
const RESPONSE = norm(UUID_RESPONSE);

/**
 * The simulated board's key (protocol/SPEC.md 5.5): createSimBoard stores it on the board and
 * SimTransport hands it to the command client, so a simulated board is paired from the start.
 */
export const SIM_BOARD_KEY = new Uint8Array(16).map((_, i) => 0x51 + 3 * i);

/** Storage files for a simulated board that holds SIM_BOARD_KEY (firmware/src/auth.ts KEY_FILE), plus `files`. */
export function simBoardStorage(files: Record<string, string> = {}): Record<string, string> {
  return { 'tripod.key': Buffer.from(SIM_BOARD_KEY).toString('hex'), ...files };
}

/** Creates the emulated board running the built firmware in real time. */
export async function createSimBoard(opts: { loads?: LoadSource; seed?: number } = {}): Promise<EmulatedBoardLike> {
  const emulatorPath = '../../firmware/emulator/index.ts';
  let mod: { createBoard(o: Record<string, unknown>): EmulatedBoardLike | Promise<EmulatedBoardLike> };
  try {
    mod = await import(emulatorPath);
  } catch (e) {
    throw new TransportError(`the simulated board is not available: cannot load the emulator (${(e as Error).message.split('\n')[0]})`);
  }
  let loads = opts.loads;
  if (!loads) {
    const { createSyntheticPerson, personLoadSource } = await import('../sim/person.ts');
    loads = personLoadSource(createSyntheticPerson({ seed: opts.seed ?? 1 }));
  }
  try {
    return await mod.createBoard({ clock: 'realtime', loads, seed: opts.seed ?? 1, storage: simBoardStorage() });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? '';
    const hint = /tripod\.js|ENOENT/.test(msg) && !/build:firmware/.test(msg) ? "; run 'npm run build:firmware' first" : '';
    throw new TransportError(`the simulated board did not start: ${msg}${hint}`);
  }
}

export class SimTransport extends TransportStreams implements Transport {
  readonly kind = 'sim' as const;
  private board: EmulatedBoardLike | null = null;
  private ownsBoard = false;
  private link: SimLink | null = null;
  private closing = false;
  private unhook: Array<() => void> = [];

  /** The simulated board's key, for any address (SIM_BOARD_KEY). */
  readonly boardKeys = (): Uint8Array => SIM_BOARD_KEY;

  constructor(private readonly opts: SimTransportOptions = {}) {
    super();
  }

  get description(): string {
    return 'simulated board (emulator running the built firmware)';
  }

  /** Negotiated MTU of the current link. */
  get mtu(): number | null {
    return this.link?.mtu ?? null;
  }

  /** The emulated board (for tests and the latency bench). */
  get emulatedBoard(): EmulatedBoardLike | null {
    return this.board;
  }

  async open(): Promise<void> {
    if (this.state$.value !== 'idle') throw new TransportError(`sim transport already ${this.state$.value}`);
    this.state$.next('connecting');
    try {
      if (this.opts.board) this.board = this.opts.board;
      else {
        this.board = await createSimBoard({ loads: this.opts.loads, seed: this.opts.seed });
        this.ownsBoard = true;
      }
      await this.connectOnce();
    } catch (e) {
      this.state$.next('closed');
      if (this.ownsBoard) this.board?.stop();
      throw e instanceof TransportError ? e : new TransportError(`simulated board: ${(e as Error).message}`);
    }
    this.state$.next('connected');
  }

  async send(bytes: Uint8Array): Promise<void> {
    const link = this.link;
    if (!link || !link.connected || this.state$.value !== 'connected') throw new TransportError(`cannot send: simulated link is ${this.state$.value}`, true);
    try {
      link.write(UUID_CONTROL, bytes);
    } catch (e) {
      throw new TransportError(`simulated BLE write failed: ${(e as Error).message}`);
    }
  }

  async deviceSoftware(): Promise<string | null> {
    const link = this.link;
    if (!link?.connected || !link.read) return null;
    try {
      return Buffer.from(link.read(UUID_SOFTWARE_REVISION)).toString('utf8');
    } catch {
      return null;
    }
  }

  /** Injects a radio link loss (tests): the board and the host notice after the supervision timeout. */
  loseLink(): void {
    this.link?.loseLink?.();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const u of this.unhook) u();
    try {
      if (this.link?.connected) this.link.disconnect();
    } catch {
      // already gone
    }
    if (this.ownsBoard) this.board?.stop();
    this.state$.next('closed');
    this.messages$.complete();
    this.link$.complete();
  }

  private async connectOnce(): Promise<void> {
    const board = this.board!;
    const link = board.ble.connect({ mtu: this.opts.mtu ?? 247, ...(this.opts.intervalMs ? { intervalMs: this.opts.intervalMs } : {}) });
    this.link = link;
    for (const u of this.unhook) u();
    this.unhook = [
      link.onNotify((uuid, bytes) => {
        const u = norm(uuid);
        const hostTimeMs = nowMs();
        if (u === DATA) this.messages$.next({ channel: 'data', bytes, hostTimeMs });
        else if (u === RESPONSE) this.messages$.next({ channel: 'control', bytes, hostTimeMs });
      }),
      link.onDisconnect((reason) => this.onDisconnect(link, reason)),
    ];
    // The MTU exchange completes one connection interval after connecting (as on a real link).
    const want = Math.min(this.opts.mtu ?? 247, 53);
    for (let i = 0; i < 50 && link.mtu < want && link.connected; i++) await new Promise((r) => setTimeout(r, 10));
    link.subscribe(UUID_RESPONSE);
    link.subscribe(UUID_DATA);
  }

  private onDisconnect(link: SimLink, reason: number): void {
    if (this.closing || link !== this.link) return;
    this.link$.next({ type: 'link-lost', hostTimeMs: nowMs(), reason: `simulated BLE link dropped (HCI reason ${reason})` });
    this.state$.next('reconnecting');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const attempts = this.opts.reconnectAttempts ?? 20;
    const again = { attempts, initialMs: this.opts.reconnectInitialMs ?? 100, maxMs: 2000, stopped: () => this.closing, attempt: () => this.connectOnce() };
    await reconnectLink(this, again, () => {
      this.link$.next({ type: 'link-lost', hostTimeMs: nowMs(), reason: `gave up reconnecting after ${attempts} attempts` });
      this.state$.next('closed');
      this.messages$.complete();
      this.link$.complete();
    });
  }
}
