/**
 * The benchmark's task: a keep-alive HTTP server answering every request with a small
 * fixed body. `node --import tsx bench/mesh/server.ts HOST PORT` prints `ready PORT`.
 */
import http from 'node:http';

const [host = '127.0.0.1', port = '0'] = process.argv.slice(2);
const body = Buffer.from('hello from the task\n');
const server = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
});
server.listen(Number(port), host, () => {
  const a = server.address();
  process.stdout.write(`ready ${typeof a === 'object' && a ? a.port : port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
