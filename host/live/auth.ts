/**
 * Who may use the live server when it is reachable beyond this machine (`tripod live --host`).
 *
 * - Loopback (127.0.0.1, ::1, localhost): no token; the Host header must name loopback, which stops
 *   DNS rebinding (a web page elsewhere whose name resolves to 127.0.0.1).
 * - Any other interface: a per-run token (random, 128 bits; `--token` sets one) is required for the
 *   page, its assets, the results downloads and the WebSocket. The URL printed for the user carries
 *   it (`/?token=...`); the page answer sets it as a cookie (HttpOnly, SameSite=Strict) so the
 *   assets, downloads and WebSocket of that page carry it too. The Host header must still name
 *   this machine (its host name, its addresses, or the address served on), so a rebinding page
 *   cannot reach it even with a token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Shortest token `--token` accepts, characters. */
export const MIN_TOKEN_LENGTH = 16;

/** A fresh random token: 16 bytes, base64url (22 characters). */
export function newToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Checks a `--token` value; returns an error line or null. */
export function tokenProblem(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) return `--token must be at least ${MIN_TOKEN_LENGTH} characters (a guessable token protects nothing); omit it for a random one`;
  if (!/^[A-Za-z0-9_~.-]+$/.test(token)) return '--token may hold letters, digits and - _ . ~ only (it goes in a URL)';
  return null;
}

/** Host names and addresses by which this machine may be reached (the Host header allowlist). */
export function machineHostNames(boundHost: string): Set<string> {
  const names = new Set<string>(LOOPBACK_HOSTS);
  const h = hostname().toLowerCase();
  names.add(h);
  names.add(`${h}.local`);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) names.add(a.address.toLowerCase().replace(/%.*$/, ''));
  }
  if (boundHost !== '0.0.0.0' && boundHost !== '::') names.add(boundHost.toLowerCase());
  return names;
}

/** The host name of a Host header value ("[::1]:7480" -> "::1"), lower case. */
export function hostNameOf(header: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (m) return m[1]!.toLowerCase();
  return header.replace(/:\d+$/, '').toLowerCase();
}

export class LiveAuth {
  readonly cookieName: string;
  private readonly names: Set<string>;
  private readonly tokenBytes: Buffer | null;

  constructor(
    readonly boundHost: string,
    /** Required token, or null (loopback without --token). */
    readonly token: string | null,
    port: number,
  ) {
    this.cookieName = `tripod_token_${port}`;
    this.names = LOOPBACK_HOSTS.has(boundHost) ? new Set(LOOPBACK_HOSTS) : machineHostNames(boundHost);
    this.tokenBytes = token === null ? null : Buffer.from(token);
  }

  /** Whether the Host header names this machine on `port`. */
  hostAllowed(req: IncomingMessage, port: number): boolean {
    const h = req.headers.host ?? '';
    if (h === '') return false;
    const portPart = /:(\d+)$/.exec(h.replace(/^\[[^\]]+\]/, ''));
    if (portPart && Number(portPart[1]) !== port) return false;
    return this.names.has(hostNameOf(h));
  }

  /** The token the request carries (query `token`, or the cookie), or null. */
  presented(req: IncomingMessage): string | null {
    const q = (req.url ?? '').split('?')[1];
    if (q) {
      const t = new URLSearchParams(q).get('token');
      if (t !== null) return t;
    }
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === this.cookieName) return decodeURIComponent(v.join('='));
    }
    return null;
  }

  /** Whether the request may go on (no token required, or the right one presented). */
  authorised(req: IncomingMessage): boolean {
    if (this.tokenBytes === null) return true;
    const t = this.presented(req);
    if (t === null) return false;
    const b = Buffer.from(t);
    return b.length === this.tokenBytes.length && timingSafeEqual(b, this.tokenBytes);
  }

  /** The Set-Cookie header that lets the page's assets, downloads and socket carry the token. */
  cookie(): string | null {
    return this.token === null ? null : `${this.cookieName}=${encodeURIComponent(this.token)}; Path=/; HttpOnly; SameSite=Strict`;
  }
}
