/** IPC messages between upload.ts (parent) and espruino-worker.ts (child). */

export type PortKind = 'tcp' | 'serial' | 'ble';

export interface UploadRequest {
  kind: PortKind;
  /** As the espruino package takes it: `tcp://host:port`, a serial path, or a BLE address/name. */
  port: string;
  /** JavaScript source to save to `.bootcde`. */
  code: string;
  /** Esprima minification in the package (offline). */
  minify: boolean;
  /** Espruino pretokenisation (the board's lexer reads the tokens; the emulator REPL untokenises). */
  pretokenise: boolean;
  /** Where the package looks for board JSON; set to an unroutable URL to skip the web fetch. */
  boardJsonUrl: string;
  /** process.env.BOARD the user said it is ("MDBT42Q", "PUCKJS"); null to accept any. Checked before any code is sent. */
  expectBoard: string | null;
  /** One statement to run after the code is saved and before load() (e.g. custom pins), or null. */
  beforeLoad: string | null;
  /** How long the port may take to open and answer the env query, ms. */
  openTimeoutMs: number;
  /** No byte written for this long mid-upload means the link is gone, ms. */
  stallTimeoutMs: number;
  /** Wait after the last byte before half-closing, ms (the board executes `load()`). */
  settleMs: number;
}

export type UploadStage = 'connecting' | 'preparing' | 'uploading' | 'finishing';

export type ResultCode = 'ok' | 'no-board' | 'not-espruino' | 'wrong-board' | 'cut' | 'internal';

export type WorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'stage'; stage: UploadStage; detail?: string }
  | { type: 'env'; env: Record<string, unknown> }
  | { type: 'progress'; sent: number; total: number }
  | { type: 'result'; ok: boolean; code: ResultCode; message: string; response: string; sent: number; total: number };
