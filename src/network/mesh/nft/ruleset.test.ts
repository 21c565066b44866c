import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeshPort } from '../types.ts';
import { renderDelete, renderRuleset } from './ruleset.ts';

const port = (over: Partial<MeshPort>): MeshPort => ({
  port: 8080,
  protocol: 'tcp',
  serviceId: 's',
  balance: 'round-robin',
  proxyProtocol: false,
  endpoints: [],
  ...over,
});

describe('nft ruleset', () => {
  const script = renderRuleset({
    table: 'shoal-mesh',
    ctMark: 0x4000,
    ports: [
      port({
        endpoints: [
          { id: 'a', host: '10.0.0.2', port: 30000, drainMs: 0, local: false },
          { id: 'b', host: '127.0.0.1', port: 30001, drainMs: 0, local: true },
          { id: 'c', host: 'fd00::1', port: 30002, drainMs: 0, local: false },
        ],
      }),
      port({ port: 53, protocol: 'udp' }),
    ],
    expired: [{ host: '10.0.0.9', protocol: 'tcp', port: 80 }],
  });

  it('replaces the whole table in one transaction', () => {
    assert.ok(
      script.startsWith('add table ip shoal-mesh\ndelete table ip shoal-mesh\ntable ip shoal-mesh {'),
    );
    assert.equal(renderDelete('t'), 'add table ip t\ndelete table ip t\n');
  });

  it('load-balances with numgen over IPv4 endpoints, masquerading only toward remote ones', () => {
    assert.match(
      script,
      /dnat ip to numgen inc mod 2 map \{ 0 : 10\.0\.0\.2 \. 30000, 1 : 127\.0\.0\.1 \. 30001 \}/,
    );
    assert.match(script, /elements = \{ tcp \. 8080 : goto p-tcp-8080 \}/);
    assert.match(
      script,
      /set remote \{ type ipv4_addr \. inet_proto \. inet_service; elements = \{ 10\.0\.0\.2 \. tcp \. 30000 \}; \}/,
    );
    assert.doesNotMatch(script, /fd00/);
  });

  it('refuses ports without endpoints and cuts expired flows', () => {
    assert.match(script, /set empty \{ type inet_proto \. inet_service; elements = \{ udp \. 53 \}; \}/);
    assert.match(script, /set expired \{[^}]*elements = \{ 10\.0\.0\.9 \. tcp \. 80 \}/);
  });

  it('limits DNAT to given addresses when told', () => {
    const s = renderRuleset({ table: 't', ctMark: 1, ports: [], expired: [], addresses: ['10.1.1.1'] });
    assert.match(s, /ip daddr \{ 10\.1\.1\.1 \} meta l4proto \. th dport vmap @ports/);
    assert.doesNotMatch(s, /fib daddr/);
  });
});
