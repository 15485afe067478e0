/** `tripod pair`: give a board a new key and keep it in this host's key file (protocol/SPEC.md 5.5). */
import { randomBytes } from 'node:crypto';
import { AUTH_KEY_BYTES, AUTH_STATE_KEY_SET, AUTH_STATE_PAIRING } from '../../../protocol/index.ts';
import { CommandError } from '../../transport/commands.ts';
import { KeyStoreError, checkKeyStore, keyStorePath, storeKey } from '../../transport/keys.ts';
import type { CliCommand } from '../command.ts';
import { RuntimeError, UsageError } from '../errors.ts';
import { openFromFlags, withSession } from '../board-session.ts';
import { SOURCE_HELP, SOURCE_OPTIONS } from '../source-flags.ts';

const HELP = `Usage: tripod pair [source] [flags]

Gives the board a new 16-byte key and stores it in this host's key file, so that this host may
change what the board stores (tare, calibrate, name, rate, reboot). Without its key a board
refuses those commands; streaming and reading need no key.

A board takes a new key:
  - over the wired link (--serial PATH), at any time;
  - over Bluetooth within 30 s after its button was pressed (press it, then run this);
  - from a host that holds its current key (re-keying).

The key file is $TRIPOD_KEYS, else $XDG_CONFIG_HOME/tripod/keys.json, else
~/.config/tripod/keys.json (mode 0600; one key per board address). Copy a board's entry to let
another computer write to it too.

${SOURCE_HELP}

Flags:
  --key HEX             the key to set, 32 hex digits (default: 16 random bytes)
  --json                one JSON object: { address, keyFile }
  --help                this text

Examples:
  tripod pair --serial /dev/ttyACM0
  tripod pair --ble Tripod-1A2B          (press the board's button first)`;

function parseKey(v: unknown): Uint8Array {
  if (v === undefined) return new Uint8Array(randomBytes(AUTH_KEY_BYTES));
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{32}$/.test(v)) throw new UsageError(`--key must be ${AUTH_KEY_BYTES * 2} hex digits, got '${String(v)}'`);
  const k = new Uint8Array(Buffer.from(v, 'hex'));
  if (k.every((b) => b === 0)) throw new UsageError('--key must not be all zero (the board refuses it)');
  return k;
}

export const command: CliCommand = {
  name: 'pair',
  summary: "set a board's key so this host may change its settings",
  help: HELP,
  options: { ...SOURCE_OPTIONS, key: { type: 'string' }, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(ctx) {
    const key = parseKey(ctx.values.key);
    const file = keyStorePath();
    try {
      checkKeyStore(file);
    } catch (e) {
      if (e instanceof KeyStoreError) throw new RuntimeError(e.message);
      throw e;
    }
    const session = await openFromFlags(ctx, { stream: false });
    return withSession(session, async (s) => {
      const commands = s.commands!;
      const ch = await commands.challenge();
      if (ch === null) throw new RuntimeError(`${s.transport.description} runs firmware without keys (protocol ${s.info?.protocolMajor}.${s.info?.protocolMinor}, keys came with 1.3): update it with 'tripod flash'; until then it takes writes from anyone`);
      try {
        await commands.setKey(key);
      } catch (e) {
        if (e instanceof CommandError) throw new RuntimeError(e.message);
        throw e;
      }
      try {
        storeKey(ch.address, key, file);
      } catch (e) {
        throw new RuntimeError(`the board ${ch.address} now holds key ${Buffer.from(key).toString('hex')} but ${file} could not be written (${(e as Error).message}); add it there by hand or pair again`);
      }
      const how = (ch.state & AUTH_STATE_PAIRING) !== 0 ? 'in its pairing window' : (ch.state & AUTH_STATE_KEY_SET) !== 0 ? 'replacing its key' : 'over the wired link';
      if (ctx.values.json === true) ctx.out.write(`${JSON.stringify({ address: ch.address, keyFile: file })}\n`);
      else ctx.out.write(`paired board ${ch.address} (${s.transport.description}, ${how}); key stored in ${file}\n`);
      return 0;
    });
  },
};
