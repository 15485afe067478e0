import { DEFAULT_MTU, type NrfModel } from './nrf-model.ts';

/** The central's end of a connection (what a phone's GATT client would do). */
export class CentralLink {
  mtu = DEFAULT_MTU;
  private notifyCbs: Array<(charUuid: string, bytes: Uint8Array) => void> = [];
  private disconnectCbs: Array<(reason: number) => void> = [];
  connected = true;

  constructor(private readonly model: NrfModel, readonly address: string, readonly supervisionTimeoutS: number) {}

  subscribe(charUuid: string): void {
    this.model.subscribe(this, charUuid, true);
  }

  unsubscribe(charUuid: string): void {
    this.model.subscribe(this, charUuid, false);
  }

  onNotify(cb: (charUuid: string, bytes: Uint8Array) => void): () => void {
    this.notifyCbs.push(cb);
    return () => {
      this.notifyCbs = this.notifyCbs.filter((x) => x !== cb);
    };
  }

  onDisconnect(cb: (reason: number) => void): () => void {
    this.disconnectCbs.push(cb);
    return () => {
      this.disconnectCbs = this.disconnectCbs.filter((x) => x !== cb);
    };
  }

  /** Write (with response) to a characteristic; the board's onWrite runs at the next connection event. */
  write(charUuid: string, bytes: Uint8Array): void {
    this.model.centralWrite(this, charUuid, bytes);
  }

  read(charUuid: string): Uint8Array {
    return this.model.centralRead(this, charUuid);
  }

  disconnect(): void {
    if (this.connected) this.model.centralDisconnect(this);
  }

  /** Inject a radio link loss: nothing more arrives; both sides see a timeout (reason 8) later. */
  loseLink(): void {
    this.model.loseLink(this);
  }

  discover(): Record<string, string[]> {
    return this.model.discover();
  }

  /** Connection interval in use now, ms (the central's, the firmware's request, or Espruino's automatic one). */
  get intervalMs(): number | undefined {
    return this.connected ? this.model.currentIntervalMs() : undefined;
  }

  /** @internal */
  deliver(charUuid: string, bytes: Uint8Array): void {
    for (const cb of this.notifyCbs.slice()) cb(charUuid, bytes.slice());
  }

  /** @internal */
  closed(reason: number): void {
    if (!this.connected) return;
    this.connected = false;
    for (const cb of this.disconnectCbs.slice()) cb(reason);
  }
}
