import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PortConfig, Service } from '../../api/service.ts';
import { type PortPlan, PortSpace, planPorts } from './ports.ts';

const ingress = (
  target: number,
  published?: number,
  protocol: PortConfig['Protocol'] = 'tcp',
): PortConfig => ({
  Protocol: protocol,
  TargetPort: target,
  PublishMode: 'ingress',
  ...(published !== undefined ? { PublishedPort: published } : {}),
});
const host = (target: number, published: number): PortConfig => ({
  Protocol: 'tcp',
  TargetPort: target,
  PublishedPort: published,
  PublishMode: 'host',
});
const named = (id: string) => ({ ID: id, Spec: { Name: `name-${id}` } }) as unknown as Service;

function plan(
  space: PortSpace,
  serviceId: string,
  ports: PortConfig[],
  prev?: { spec: PortConfig[]; ports: PortConfig[] },
): PortPlan {
  return planPorts(space, { serviceId, ports, prevSpec: prev?.spec, prevPorts: prev?.ports }, named);
}
function commit(space: PortSpace, serviceId: string, p: PortPlan): PortConfig[] {
  assert.ok(p.ok, p.ok ? '' : p.reason);
  for (const h of p.held) assert.ok(space.hold(h.protocol, h.port, serviceId));
  return p.ports;
}
const published = (ports: PortConfig[]) => ports.map((p) => p.PublishedPort);

describe('planPorts', () => {
  it('auto-assigns the lowest free port from 30000, per protocol; explicit ports as given', () => {
    const space = new PortSpace();
    const a = commit(
      space,
      'a',
      plan(space, 'a', [ingress(80), ingress(443, 8443), ingress(53, undefined, 'udp')]),
    );
    assert.deepEqual(published(a), [30000, 8443, 30000]);
    const b = commit(space, 'b', plan(space, 'b', [ingress(80)]));
    assert.deepEqual(published(b), [30001]);
    assert.deepEqual(a[0], { Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress', PublishedPort: 30000 });
  });

  it('an explicit port in the dynamic range is skipped by auto-assignment', () => {
    const space = new PortSpace();
    commit(space, 'a', plan(space, 'a', [ingress(80, 30000)]));
    assert.deepEqual(published(commit(space, 'b', plan(space, 'b', [ingress(80)]))), [30001]);
  });

  it("refuses a port another service holds, in the controlapi's words", () => {
    const space = new PortSpace();
    commit(space, 'a', plan(space, 'a', [ingress(80, 8080)]));
    const p = plan(space, 'b', [ingress(81, 8080)]);
    assert.deepEqual(p, {
      ok: false,
      reason: "port '8080' is already in use by service 'name-a' (a) as an ingress port",
    });
    assert.ok(plan(space, 'b', [ingress(81, 8080, 'udp')]).ok, 'another protocol is another port');
  });

  it('host-mode ports are copied, not allocated', () => {
    const space = new PortSpace();
    const a = commit(space, 'a', plan(space, 'a', [host(80, 8080)]));
    assert.deepEqual(a, [host(80, 8080)]);
    assert.equal(space.size, 0);
    assert.ok(plan(space, 'b', [host(80, 8080)]).ok);
  });

  it('an unchanged dynamic port keeps its number across an update', () => {
    const space = new PortSpace();
    commit(space, 'x', plan(space, 'x', [ingress(1)])); // 30000 taken by another service
    const spec1 = [ingress(80), ingress(443)];
    const a1 = commit(space, 'a', plan(space, 'a', spec1));
    assert.deepEqual(published(a1), [30001, 30002]);
    space.release('tcp', 30000, 'x'); // now the lowest free is 30000
    const spec2 = [ingress(443), ingress(8080)];
    const p2 = plan(space, 'a', spec2, { spec: spec1, ports: a1 });
    assert.ok(p2.ok);
    assert.deepEqual(published(p2.ports), [30002, 30000]);
  });

  it('a port that was explicit and becomes dynamic gets a dynamic number', () => {
    const space = new PortSpace();
    const spec1 = [ingress(80, 30500)];
    const a1 = commit(space, 'a', plan(space, 'a', spec1));
    const p2 = plan(space, 'a', [ingress(80)], { spec: spec1, ports: a1 });
    assert.ok(p2.ok);
    assert.deepEqual(published(p2.ports), [30000]);
  });

  it("the service's own ports are free to its new plan", () => {
    const space = new PortSpace();
    const a1 = commit(space, 'a', plan(space, 'a', [ingress(80, 8080)]));
    const p2 = plan(space, 'a', [ingress(81, 8080)], { spec: [ingress(80, 8080)], ports: a1 });
    assert.ok(p2.ok);
  });

  it('says when the dynamic range is exhausted', () => {
    const space = new PortSpace();
    for (let p = 30000; p <= 32767; p++) space.hold('tcp', p, 'filler');
    assert.deepEqual(plan(space, 'a', [ingress(80)]), {
      ok: false,
      reason: 'resource dynamic port space is exhausted: protocol tcp',
    });
    assert.ok(plan(space, 'a', [ingress(80, 8080)]).ok);
    space.release('tcp', 32767, 'filler');
    const p = plan(space, 'a', [ingress(80)]);
    assert.ok(p.ok && p.ports[0]?.PublishedPort === 32767);
  });

  it('fills in protocol and publish mode as Endpoint.Ports shows them', () => {
    const space = new PortSpace();
    const p = plan(space, 'a', [
      { TargetPort: 80, PublishedPort: 8080 },
      { TargetPort: 53, Protocol: 'udp', Name: 'dns' },
    ]);
    assert.ok(p.ok);
    assert.deepEqual(p.ports, [
      { Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress', PublishedPort: 8080 },
      { Protocol: 'udp', TargetPort: 53, PublishMode: 'ingress', Name: 'dns', PublishedPort: 30000 },
    ]);
  });
});
