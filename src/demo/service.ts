/** The demo's service: `web`, a replicated service published on port 8080. */

export function demoService(replicas: number, _executor: string): object {
  return {
    Name: 'web',
    Labels: { 'com.example.demo': 'true' },
    TaskTemplate: {
      ContainerSpec: { Image: 'shoal-demo/web:latest' },
      RestartPolicy: { Condition: 'any', Delay: 1_000_000_000 },
    },
    Mode: { Replicated: { Replicas: replicas } },
    EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] },
  };
}
