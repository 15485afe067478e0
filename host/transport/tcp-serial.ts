/**
 * The serial protocol (COBS + CRC-32 frames, 0x00 delimiters) over a TCP connection: how `tripod
 * flash --port tcp://...` reads the board's info after an upload, through the same port (the
 * emulator's REPL server routes frames to the board's UART; an Espruino on a TCP console would
 * carry them the same way). Text that is not a frame (REPL prompts) is counted and dropped by the
 * deframer, as on a real serial line.
 */
import { connect, type Socket } from 'node:net';
import { createSerialDeframer, encodeSerialFrame } from '../../protocol/index.ts';
import { nowMs, serialChannelOf, TransportError, TransportStreams, type Transport } from './transport.ts';

export class TcpSerialTransport extends TransportStreams implements Transport {
  readonly kind = 'serial' as const;
  private socket: Socket | null = null;
  private readonly deframer = createSerialDeframer();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    super();
  }

  get description(): string {
    return `tcp://${this.host}:${this.port}`;
  }

  async open(): Promise<void> {
    if (this.state$.value !== 'idle') throw new TransportError(`tcp transport already ${this.state$.value}`);
    this.state$.next('connecting');
    const socket = connect({ host: this.host, port: this.port });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      });
    } catch (e) {
      this.state$.next('closed');
      throw new TransportError(`cannot connect to ${this.description}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      const hostTimeMs = nowMs();
      for (const m of this.deframer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        this.messages$.next({ channel: serialChannelOf(m), bytes: m.slice(), hostTimeMs });
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.state$.value === 'closed') return;
      this.link$.next({ type: 'link-lost', hostTimeMs: nowMs(), reason: 'tcp connection closed' });
      this.finish();
    });
    this.state$.next('connected');
  }

  async send(bytes: Uint8Array): Promise<void> {
    const s = this.socket;
    if (!s || this.state$.value !== 'connected') throw new TransportError(`cannot send: tcp link is ${this.state$.value}`, true);
    const frame = encodeSerialFrame(bytes);
    await new Promise<void>((resolve, reject) => s.write(frame, (err) => (err ? reject(new TransportError(`tcp write failed: ${err.message}`, true)) : resolve())));
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.state$.value === 'closed') return;
    this.state$.next('closed');
    this.messages$.complete();
    this.link$.complete();
  }
}
