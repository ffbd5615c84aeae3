/**
 * The sandbox stand-in for proxy benchmarks: a tiny HTTP server that answers every path with a
 * small fixed body, and a WebSocket echo on upgrade. `GET /__stats` tells how many TCP
 * connections it has accepted so far (including the one asking). Prints `{"port":N}` once
 * listening on 127.0.0.1.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';

let connections = 0;
const body = Buffer.from('{"status":"ok","kernels":0}');
const server = http.createServer((req, res) => {
  if (req.url === '/__stats') {
    res.end(JSON.stringify({ connections }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.on('connection', () => connections++);

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
