/**
 * The live page's HTTP + WebSocket server. Serves the page and its assets from memory, the results
 * downloads, and one WebSocket endpoint (/ws) per page, attached to the hub.
 * Bound to 127.0.0.1 unless told otherwise. Requests whose Host header (or a WebSocket's Origin)
 * is not this server are refused, so a web page elsewhere cannot reach the board through the
 * user's browser (DNS rebinding, cross-site WebSocket). Beyond loopback every request also needs
 * the per-run token (auth.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadAssets } from './assets.ts';
import { LiveAuth, LOOPBACK_HOSTS, newToken } from './auth.ts';
import type { LiveHub } from './hub.ts';

export interface LiveServerOptions {
  /** Interface to bind. Defaults to 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. Defaults to 0. */
  port?: number;
  /** Handles /api/... requests (the clinic store); resolves false when the path is not its own. */
  api?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Token every request must carry. Defaults to none on loopback and a random one on any other interface. */
  token?: string | null;
}

export interface LiveServer {
  /** http://HOST:PORT/ (with ?token=... when one is required) as a browser on this machine would open it. */
  url: string;
  port: number;
  /** The token requests must carry, or null (loopback). */
  token: string | null;
  close(): Promise<void>;
}

export { LOOPBACK_HOSTS };

export async function startLiveServer(hub: LiveHub, options: LiveServerOptions = {}): Promise<LiveServer> {
  const host = options.host ?? '127.0.0.1';
  const assets = await loadAssets();
  const token = options.token !== undefined ? options.token : LOOPBACK_HOSTS.has(host) ? null : newToken();
  // Set once listening (the cookie name holds the port); no request arrives before.
  let auth!: LiveAuth;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const port = (server.address() as AddressInfo).port;
    if (!auth.hostAllowed(req, port)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('tripod live: wrong Host header\n');
      return;
    }
    if (!auth.authorised(req)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('tripod live: this page needs its token: open the whole URL tripod live printed (with ?token=...)\n');
      return;
    }
    if (options.api && (req.url ?? '').startsWith('/api/')) {
      options.api(req, res).then(
        (handled) => {
          if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end(`tripod live: no such call ${req.url}\n`);
        },
        (e: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`tripod live: ${(e as Error).message}\n`);
        },
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/results.json' || path === '/results.csv') {
      const json = path.endsWith('.json');
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      res.writeHead(200, {
        'content-type': json ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="tripod-results-${stamp}.${json ? 'json' : 'csv'}"`,
        'cache-control': 'no-store',
      });
      res.end(json ? hub.results.toJson() : hub.results.toCsv());
      return;
    }
    const asset = assets.get(path === '/index.html' ? '/' : path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`tripod live: no such page ${path}\n`);
      return;
    }
    const cookie = auth.cookie();
    res.writeHead(200, {
      'content-type': asset.contentType,
      'content-length': asset.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(cookie ? { 'set-cookie': cookie, 'referrer-policy': 'no-referrer' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const port = (server.address() as AddressInfo).port;
    const origin = req.headers.origin;
    const originOk = origin === undefined || origin.replace(/^https?:\/\//, '') === req.headers.host;
    if ((req.url ?? '').split('?')[0] !== '/ws' || !auth.hostAllowed(req, port) || !originOk) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    if (!auth.authorised(req)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const handler = hub.attach(ws);
      ws.on('message', (data, isBinary) => {
        if (!isBinary) handler.onMessage(data.toString());
      });
      ws.on('close', () => handler.onClose());
      ws.on('error', () => handler.onClose());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  auth = new LiveAuth(host, token, port);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/${token === null ? '' : `?token=${encodeURIComponent(token)}`}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
