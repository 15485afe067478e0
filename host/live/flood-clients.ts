/**
 * The client side of the flood bench (flood-bench.ts), run in its own process so its work does not
 * count against the server's event loop: CLIENTS pages connect to the live server on loopback,
 * page 0 sends RATE messages/s (setup changes, start, stop, tare, broken JSON) for SECONDS (RATE 0:
 * all pages only read, for SECONDS), the others only read. Prints one JSON line ({connected,
 * sent, received_bytes}) and exits by itself.
 *   node --import tsx host/live/flood-clients.ts WS_URL CLIENTS RATE SECONDS
 */
import WebSocket from 'ws';

const [url, clientsArg, rateArg, secondsArg] = process.argv.slice(2);
if (!url || !/^ws:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url)) {
  process.stderr.write('flood-clients: give a ws:// URL on loopback\n');
  process.exit(2);
}
const clients = Math.min(500, Number(clientsArg ?? 200));
const rate = Math.max(0, Math.min(50_000, Number(rateArg ?? 10_000)));
const seconds = Math.min(60, Number(secondsArg ?? 10));
const hardStop = setTimeout(() => process.exit(3), (seconds + 30) * 1000);

const sockets: WebSocket[] = [];
let receivedBytes = 0;
let connected = 0;
await Promise.all(
  Array.from({ length: clients }, () =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(url);
      sockets.push(ws);
      ws.on('open', () => {
        connected++;
        resolve();
      });
      ws.on('message', (d: Buffer) => (receivedBytes += d.length));
      ws.on('error', () => resolve());
    }),
  ),
);

const messages = [
  JSON.stringify({ type: 'setup', setup: { foot: 'left', eyes: 'open', durationS: 20 } }),
  JSON.stringify({ type: 'setup', setup: { foot: 'right', eyes: 'closed', durationS: 30 } }),
  JSON.stringify({ type: 'start' }),
  JSON.stringify({ type: 'stop' }),
  JSON.stringify({ type: 'tare' }),
  '{"type":',
];
const flooder = sockets[0]!;
let sent = 0;
const perTick = Math.round(rate / 100);
const t0 = Date.now();
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    if (Date.now() - t0 >= seconds * 1000 || (rate > 0 && flooder.readyState !== WebSocket.OPEN)) {
      clearInterval(tick);
      resolve();
      return;
    }
    // catch up on late ticks, so the rate holds on a busy machine
    const due = Math.min(Math.floor(((Date.now() - t0) / 1000) * rate), sent + perTick * 20);
    while (sent < due) flooder.send(messages[sent++ % messages.length]!);
  }, 10);
});
for (const s of sockets) s.terminate();
clearTimeout(hardStop);
process.stdout.write(`${JSON.stringify({ connected, sent, received_bytes: receivedBytes })}\n`);
process.exit(0);
