/**
 * Baseline for bench/chat-fanout.ts: the least a fan-out server can do with Bun. No auth, no DB,
 * no templating: every socket joins one topic; each `send` frame is JSON-parsed, answered with an
 * ack (as the app does) and published to the topic as an HTML fragment padded to the size the app
 * sent in the same run. What remains is Bun's own WebSocket and pub/sub cost, which the app can
 * only add to. Usage: bun bench/raw-fanout-server.ts <fragment-bytes>; prints `listening <port>`.
 */
const size = Math.max(0, Number(process.argv[2] ?? 600));
const TOPIC = 'room';

// Escaping as the app does (the body ends up in HTML); the fragment keeps the app's shape, so the
// load client parses both the same way (data-client-id → send time).
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = Bun.serve({
  hostname: '127.0.0.1', // loopback only
  port: 0,
  fetch(req, srv) {
    if (srv.upgrade(req)) return;
    return new Response('WebSocket only', { status: 426 });
  },
  websocket: {
    maxPayloadLength: 1024 * 1024,
    idleTimeout: 60,
    open(ws) {
      ws.subscribe(TOPIC);
    },
    message(ws, data) {
      let f: { type?: string; clientId?: string; body?: string; room?: string };
      try {
        f = JSON.parse(String(data));
      } catch {
        return;
      }
      if (f.type === 'resume') return void ws.send('{"type":"resumed"}');
      if (f.type !== 'send' || typeof f.clientId !== 'string') return;
      const head = `<hx-partial hx-target="#log-${f.room}" hx-swap="beforeend"><article class="msg" data-client-id="${esc(f.clientId)}"><div class="body">${esc(String(f.body))}</div>`;
      const tail = '</article></hx-partial>';
      const pad = Math.max(0, size - head.length - tail.length);
      server.publish(TOPIC, head + ' '.repeat(pad) + tail);
      ws.send(JSON.stringify({ type: 'ack', room: f.room, clientId: f.clientId, seq: 0 }));
    },
  },
});

console.log(`listening ${server.port}`);
process.on('SIGTERM', () => {
  server.stop(true);
  process.exit(0);
});
