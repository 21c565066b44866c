/**
 * The user-space data path in its own process (as in the daemon: its own event loop).
 * `node --import tsx bench/mesh/mesh-proc.ts LISTEN PUBLISHED ENDPOINT_HOST ENDPOINT_PORT`
 * prints `ready`; exits when stdin closes.
 */
import { UserspaceDataPlane } from '../../src/network/mesh/userspace/userspace-dataplane.ts';

const [listen = '127.0.0.1', published = '0', host = '127.0.0.1', port = '0'] = process.argv.slice(2);
const dp = new UserspaceDataPlane({ addresses: [listen] });
await dp.apply({
  ports: [
    {
      port: Number(published),
      protocol: 'tcp',
      serviceId: 'bench',
      balance: 'round-robin',
      proxyProtocol: false,
      endpoints: [{ id: 'task', host, port: Number(port), drainMs: 1000, local: true }],
    },
  ],
});
if (dp.problems().length) {
  console.error(JSON.stringify(dp.problems()));
  process.exit(1);
}
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => void dp.close().then(() => process.exit(0)));
