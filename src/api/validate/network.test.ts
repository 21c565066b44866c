import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IPAMConfig, NetworkSpec } from '../network.ts';
import { networkSpec } from './fixtures.ts';
import { validateNetworkSpec } from './network.ts';

const ipam = (...Configs: unknown[]): Partial<NetworkSpec> => ({
  IPAMOptions: { Configs: Configs as IPAMConfig[] },
});

describe('validateNetworkSpec', () => {
  const cases: Array<[string, unknown, string | undefined, string?]> = [
    ['an overlay network', networkSpec(), undefined],
    [
      'an attachable overlay with IPAM',
      networkSpec({
        Attachable: true,
        ...ipam({ Subnet: '10.10.0.0/16', IPRange: '10.10.1.0/24', Gateway: '10.10.0.1' }),
      }),
      undefined,
    ],
    ['an IPv6 subnet', networkSpec(ipam({ Subnet: '2001:db8::/64', Gateway: '2001:db8::1' })), undefined],
    ['no driver (overlay is the default)', { Name: 'n1' }, undefined],
    ['the default IPAM driver', networkSpec({ IPAMOptions: { Driver: { Name: 'DEFAULT' } } }), undefined],
    ['an ingress network', networkSpec({ Name: 'ingress', Ingress: true }), undefined],
    [
      'a pre-defined name',
      networkSpec({ Name: 'bridge' }),
      'bridge is a pre-defined network and cannot be created',
      'engine',
    ],
    [
      'an ingress network with another driver',
      networkSpec({ Ingress: true, DriverConfiguration: { Name: 'macvlan' } }),
      'only overlay driver is currently supported for ingress network',
      'swarmkit',
    ],
    [
      'an attachable ingress network',
      networkSpec({ Ingress: true, Attachable: true }),
      'ingress network cannot be attachable',
      'swarmkit',
    ],
    ['no name', networkSpec({ Name: '' }), 'meta: name must be provided', 'swarmkit'],
    [
      'a dotted name',
      networkSpec({ Name: 'my.net' }),
      'name must be valid as a DNS name component',
      'swarmkit',
    ],
    [
      'the reserved label',
      networkSpec({ Labels: { 'com.docker.swarm.predefined': 'true' } }),
      'label com.docker.swarm.predefined is for internally created predefined networks and cannot be applied by users',
      'swarmkit',
    ],
    [
      'a driver without name',
      networkSpec({ DriverConfiguration: { Name: '' } }),
      'driver name: if driver is specified name is required',
      'swarmkit',
    ],
    [
      'an unknown driver',
      networkSpec({ DriverConfiguration: { Name: 'weave' } }),
      'error during lookup of plugin weave',
      'swarmkit',
    ],
    [
      'a Docker built-in driver Shoal does not run',
      networkSpec({ DriverConfiguration: { Name: 'macvlan' } }),
      'network driver macvlan is not supported by shoal: use overlay',
      'shoal',
    ],
    [
      'an unknown IPAM driver',
      networkSpec({ IPAMOptions: { Driver: { Name: 'infoblox' } } }),
      'error during lookup of plugin infoblox',
      'swarmkit',
    ],
    ['an empty IPAM config', networkSpec(ipam(null)), 'ipam configuration: cannot be empty', 'swarmkit'],
    [
      'a bad subnet',
      networkSpec(ipam({ Subnet: '10.0.0.0/33' })),
      'ipam configuration: invalid subnet 10.0.0.0/33',
      'swarmkit',
    ],
    [
      'a subnet without prefix',
      networkSpec(ipam({ Subnet: '10.0.0.0' })),
      'ipam configuration: invalid subnet 10.0.0.0',
      'swarmkit',
    ],
    [
      'a bad range',
      networkSpec(ipam({ Subnet: '10.0.0.0/16', IPRange: '10.0.1.0' })),
      'ipam configuration: invalid range 10.0.1.0',
      'swarmkit',
    ],
    [
      'a range outside the subnet',
      networkSpec(ipam({ Subnet: '10.0.0.0/16', IPRange: '10.1.0.0/24' })),
      'ipam configuration: subnet 10.0.0.0/16 does not contain range 10.1.0.0/24',
      'swarmkit',
    ],
    [
      'a bad gateway',
      networkSpec(ipam({ Subnet: '10.0.0.0/16', Gateway: '10.0.0.300' })),
      'ipam configuration: invalid gateway 10.0.0.300',
      'swarmkit',
    ],
    [
      'a gateway outside the subnet',
      networkSpec(ipam({ Subnet: '10.0.0.0/16', Gateway: '10.1.0.1' })),
      'ipam configuration: subnet 10.0.0.0/16 does not contain gateway 10.1.0.1',
      'swarmkit',
    ],
    [
      'an IPv6 gateway in an IPv4 subnet',
      networkSpec(ipam({ Subnet: '10.0.0.0/16', Gateway: '2001:db8::1' })),
      'ipam configuration: subnet 10.0.0.0/16 does not contain gateway 2001:db8::1',
      'swarmkit',
    ],
  ];
  for (const [name, spec, want, origin] of cases) {
    it(`${name} -> ${want ?? 'ok'}`, () => {
      const [p] = validateNetworkSpec(spec);
      assert.equal(p?.message, want);
      if (origin) assert.equal(p?.origin, origin);
    });
  }
  it('answers 403 for pre-defined names and the reserved label, as Docker does', () => {
    assert.equal(validateNetworkSpec(networkSpec({ Name: 'host' }))[0]?.httpStatus, 403);
    assert.equal(
      validateNetworkSpec(networkSpec({ Labels: { 'com.docker.swarm.predefined': '' } }))[0]?.httpStatus,
      403,
    );
  });
});
