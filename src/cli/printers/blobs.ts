/**
 * `secret ls` (ID, NAME, DRIVER, CREATED, UPDATED), `config ls` (ID, NAME, CREATED,
 * UPDATED) and `network ls` (NETWORK ID, NAME, DRIVER, SCOPE).
 */
import type { Config, Secret } from '../../api/index.ts';
import type { EngineNetwork } from '../client/api.ts';
import { ago, goTime } from '../format/human-time.ts';
import type { Listing } from '../format/listing.ts';
import { labelsText, naturalCompare } from './common.ts';

export function secretListing(secrets: readonly Secret[], now: number): Listing {
  return {
    columns: '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}',
    titles: {
      ID: 'ID',
      Name: 'NAME',
      Driver: 'DRIVER',
      CreatedAt: 'CREATED',
      UpdatedAt: 'UPDATED',
      Labels: 'LABELS',
    },
    rows: [...secrets]
      .sort((a, b) => naturalCompare(a.Spec.Name, b.Spec.Name))
      .map((s) => ({
        CreatedAt: ago(s.CreatedAt, now),
        Driver: s.Spec.Driver?.Name ?? '',
        ID: s.ID,
        Labels: labelsText(s.Spec.Labels),
        Name: s.Spec.Name,
        UpdatedAt: ago(s.UpdatedAt, now),
      })),
    quiet: (r) => String(r.ID),
  };
}

export function configListing(configs: readonly Config[], now: number): Listing {
  return {
    columns: '{{.ID}}\t{{.Name}}\t{{.CreatedAt}}\t{{.UpdatedAt}}',
    titles: { ID: 'ID', Name: 'NAME', CreatedAt: 'CREATED', UpdatedAt: 'UPDATED', Labels: 'LABELS' },
    rows: [...configs]
      .sort((a, b) => naturalCompare(a.Spec.Name, b.Spec.Name))
      .map((c) => ({
        CreatedAt: ago(c.CreatedAt, now),
        ID: c.ID,
        Labels: labelsText(c.Spec.Labels),
        Name: c.Spec.Name,
        UpdatedAt: ago(c.UpdatedAt, now),
      })),
    quiet: (r) => String(r.ID),
  };
}

export function networkListing(networks: readonly EngineNetwork[], trunc: boolean): Listing {
  return {
    columns: '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
    titles: {
      ID: 'NETWORK ID',
      Name: 'NAME',
      Driver: 'DRIVER',
      Scope: 'SCOPE',
      CreatedAt: 'CREATED AT',
      IPv4: 'IPV4',
      IPv6: 'IPV6',
      Internal: 'INTERNAL',
      Labels: 'LABELS',
    },
    rows: [...networks]
      .sort((a, b) => naturalCompare(a.Name, b.Name))
      .map((n) => ({
        CreatedAt: goTime(n.Created),
        Driver: n.Driver,
        ID: trunc ? n.Id.slice(0, 12) : n.Id,
        IPv4: String(n.EnableIPv4 ?? false),
        IPv6: String(n.EnableIPv6),
        Internal: String(n.Internal),
        Labels: labelsText(n.Labels),
        Name: n.Name,
        Scope: n.Scope,
      })),
    quiet: (r) => String(r.ID),
  };
}
