import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { swarmSpec } from './fixtures.ts';
import { validateSwarmSpec } from './swarm.ts';

const HOUR = 3600e9;

describe('validateSwarmSpec', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['the default spec', swarmSpec(), undefined],
    ['no name (means default)', swarmSpec({ Name: '' }), undefined],
    [
      'keep all task history (negative limit)',
      swarmSpec({ Orchestration: { TaskHistoryRetentionLimit: -1 } }),
      undefined,
    ],
    ['a one-hour certificate expiry', swarmSpec({ CAConfig: { NodeCertExpiry: HOUR } }), undefined],
    [
      'zero expiry and heartbeat (keep current)',
      swarmSpec({ CAConfig: { NodeCertExpiry: 0 }, Dispatcher: { HeartbeatPeriod: 0 } }),
      undefined,
    ],
    [
      'a cfssl external CA',
      swarmSpec({ CAConfig: { ExternalCAs: [{ Protocol: 'CFSSL', URL: 'https://ca' }] } }),
      undefined,
    ],
    [
      'another name',
      swarmSpec({ Name: 'whoops' }),
      'invalid Name "whoops": swarm spec must be named "default"',
    ],
    [
      'a 59-minute expiry',
      swarmSpec({ CAConfig: { NodeCertExpiry: HOUR - 60e9 } }),
      'minimum certificate expiry time is: 1h0m0s',
    ],
    [
      'a negative expiry',
      swarmSpec({ CAConfig: { NodeCertExpiry: -1 } }),
      'minimum certificate expiry time is: 1h0m0s',
    ],
    [
      'a negative heartbeat',
      swarmSpec({ Dispatcher: { HeartbeatPeriod: -5e9 } }),
      'heartbeat time period cannot be a negative duration',
    ],
    [
      'an unknown CA protocol',
      swarmSpec({ CAConfig: { ExternalCAs: [{ Protocol: 'acme' }] } }),
      'invalid protocol: "acme"',
    ],
    [
      'a fractional history limit',
      swarmSpec({ Orchestration: { TaskHistoryRetentionLimit: 2.5 } }),
      'json: cannot unmarshal number 2.5 into Go struct field OrchestrationConfig.Orchestration.TaskHistoryRetentionLimit of type int64',
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(`${name} -> ${want ?? 'ok'}`, () => assert.equal(validateSwarmSpec(spec)[0]?.message, want));
  }
  it('words the name rule as docker swarm init does', () => {
    assert.equal(
      validateSwarmSpec(swarmSpec({ Name: 'x' }), { operation: 'init' })[0]?.message,
      'swarm spec must be named "default"',
    );
  });
  it('tags the expiry rule as swarmkit and the name rule as the daemon', () => {
    assert.equal(validateSwarmSpec(swarmSpec({ Name: 'x' }))[0]?.origin, 'engine');
    assert.equal(validateSwarmSpec(swarmSpec({ CAConfig: { NodeCertExpiry: 1 } }))[0]?.origin, 'swarmkit');
  });
});
