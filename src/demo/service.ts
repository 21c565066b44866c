/**
 * The demo's service: `web`, replicated, published on port 8080. With the process executor
 * each task is a small HTTP server (Node itself, so nothing to install) on the port the
 * executor assigns it (PORT), answering with where it runs; other executors get an image.
 */

export const WEB_SERVER = `
const http = require('node:http');
const where = 'task ' + (process.env.SHOAL_TASK_NAME || '?') + ' on ' + (process.env.SHOAL_NODE_HOSTNAME || '?');
const port = Number(process.env.PORT || 8000);
http.createServer((req, res) => {
  console.log(req.method + ' ' + req.url + ' from ' + req.socket.remoteAddress);
  res.end('hello from ' + where + '\\n');
}).listen(port, () => console.log(where + ' listening on port ' + port));
process.on('SIGTERM', () => process.exit(0));
`;

export function demoService(replicas: number, executor: string): object {
  const ContainerSpec =
    executor === 'process'
      ? { Image: 'node:20', Command: [process.execPath, '-e', WEB_SERVER] }
      : { Image: 'shoal-demo/web:latest' };
  return {
    Name: 'web',
    Labels: { 'com.example.demo': 'true' },
    TaskTemplate: {
      ContainerSpec,
      RestartPolicy: { Condition: 'any', Delay: 1_000_000_000 },
    },
    Mode: { Replicated: { Replicas: replicas } },
    EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] },
  };
}
