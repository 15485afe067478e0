/**
 * The live page's HTTP + WebSocket server. Serves the page and its assets from memory, the results
 * downloads, and one WebSocket endpoint (/ws) per page, attached to the hub.
 * Bound to 127.0.0.1 unless told otherwise. Requests whose Host header (or a WebSocket's Origin)
 * is not this server are refused, so a web page elsewhere cannot reach the board through the
 * user's browser (DNS rebinding, cross-site WebSocket).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadAssets } from './assets.ts';
import type { LiveHub } from './hub.ts';

export interface LiveServerOptions {
  /** Interface to bind. Defaults to 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. Defaults to 0. */
  port?: number;
  /** Handles /api/... requests (the clinic store); resolves false when the path is not its own. */
  api?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface LiveServer {
  /** http://HOST:PORT/ as a browser on this machine would open it. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startLiveServer(hub: LiveHub, options: LiveServerOptions = {}): Promise<LiveServer> {
  const host = options.host ?? '127.0.0.1';
  const assets = await loadAssets();
  const loopbackOnly = LOOPBACK_HOSTS.has(host);

  const hostAllowed = (req: IncomingMessage, port: number): boolean => {
    if (!loopbackOnly) return true;
    const h = req.headers.host ?? '';
    const name = h.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return LOOPBACK_HOSTS.has(name) && (h.endsWith(`:${port}`) || !/:\d+$/.test(h));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const port = (server.address() as AddressInfo).port;
    if (!hostAllowed(req, port)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('tripod live: wrong Host header\n');
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
    res.writeHead(200, {
      'content-type': asset.contentType,
      'content-length': asset.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const port = (server.address() as AddressInfo).port;
    const origin = req.headers.origin;
    const originOk = origin === undefined || origin.replace(/^https?:\/\//, '') === req.headers.host;
    if ((req.url ?? '').split('?')[0] !== '/ws' || !hostAllowed(req, port) || !originOk) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
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
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
