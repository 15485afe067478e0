/**
 * After an upload: connect through the protocol on the same port and read GET_INFO (firmware and
 * protocol versions, board). The board needs a moment to boot the new code, so the info command
 * is retried until `timeoutMs`.
 */
import { PROTOCOL_MAJOR, BOARD_MDBT42Q, BOARD_PUCKJS, type DeviceInfo } from '../../protocol/index.ts';
import { CommandClient } from '../transport/commands.ts';
import type { Transport } from '../transport/transport.ts';
import type { ParsedPort } from './upload.ts';
import { FlashError } from './upload.ts';
import { TcpSerialTransport } from '../transport/tcp-serial.ts';

export interface VerifyOptions {
  /** Whole verification, ms. Defaults to 15000. */
  timeoutMs?: number;
  /** Per GET_INFO attempt, ms. Defaults to 1500. */
  attemptMs?: number;
  onAttempt?: (attempt: number) => void;
  /** Builds the transport (tests inject); defaults to TCP, serial or BLE by port kind. */
  openTransport?: (port: ParsedPort) => Promise<Transport>;
}

export interface VerifiedBoard {
  info: DeviceInfo;
  /** "1.2.3". */
  firmwareVersion: string;
  /** "1.0". */
  protocolVersion: string;
  board: string;
}

export function boardName(id: number): string {
  return id === BOARD_MDBT42Q ? 'MDBT42Q' : id === BOARD_PUCKJS ? 'Puck.js' : `unknown (id ${id})`;
}

async function defaultTransport(port: ParsedPort): Promise<Transport> {
  if (port.kind === 'tcp') return new TcpSerialTransport(port.host ?? 'localhost', port.tcpPort ?? 23);
  const { createTransport } = await import('../transport/open.ts');
  return port.kind === 'serial' ? createTransport({ kind: 'serial', path: port.port }) : createTransport({ kind: 'ble', id: port.port });
}

export async function verifyBoard(port: ParsedPort, opts: VerifyOptions = {}): Promise<VerifiedBoard> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let lastError = 'no answer';
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    opts.onAttempt?.(attempt);
    let transport: Transport | null = null;
    try {
      transport = await (opts.openTransport ?? defaultTransport)(port);
      await transport.open();
      const client = new CommandClient(transport, Math.min(opts.attemptMs ?? 1500, Math.max(100, deadline - Date.now())));
      const info = await client.getInfo();
      if (info.protocolMajor !== PROTOCOL_MAJOR) {
        throw new FlashError('verify', `the board speaks protocol ${info.protocolMajor}.${info.protocolMinor} but this host speaks ${PROTOCOL_MAJOR}.x: update the host (or flash the matching firmware)`);
      }
      return {
        info,
        firmwareVersion: `${info.firmwareMajor}.${info.firmwareMinor}.${info.firmwarePatch}`,
        protocolVersion: `${info.protocolMajor}.${info.protocolMinor}`,
        board: boardName(info.boardId),
      };
    } catch (e) {
      if (e instanceof FlashError) throw e;
      lastError = (e as Error).message;
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await transport?.close().catch(() => {});
    }
  }
  throw new FlashError(
    'verify',
    `the upload finished but the board did not answer GET_INFO on ${port.port} within ${(opts.timeoutMs ?? 15_000) / 1000} s (${lastError}): the firmware may have failed to start; connect a terminal to see its errors, or run tripod flash again`,
  );
}
