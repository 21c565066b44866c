/**
 * The short volume syntax (`[source:]target[:options]`) to the long form, as the CLI's
 * loader reads it: no source is an anonymous volume, a source starting with `.`, `/` or `~`
 * a bind mount (made absolute against the project directory), anything else a named volume.
 * Options: `ro`/`rw`, `nocopy`, a bind propagation; others are ignored.
 */
import { isAbsolute, resolve } from 'node:path';
import { ComposeError, type VolumeMount } from './types.ts';

const PROPAGATIONS = ['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'];

export function parseVolumeSpec(spec: string): VolumeMount {
  if (spec === '') throw new ComposeError('invalid empty volume spec');
  if (spec.length <= 2) return { type: 'volume', target: spec };
  const parts = spec.split(':');
  if (parts.some((p) => p === ''))
    throw new ComposeError(`invalid spec: ${spec}: empty section between colons`);
  if (parts.length > 3) throw new ComposeError(`invalid spec: ${spec}: too many colons`);
  const v: VolumeMount = { type: 'volume', target: '' };
  if (parts.length === 1) {
    v.target = parts[0] ?? '';
    return v;
  }
  v.source = parts[0];
  v.target = parts[1] ?? '';
  for (const option of (parts[2] ?? '').split(',')) {
    if (option === 'ro') v.read_only = true;
    else if (option === 'rw') v.read_only = false;
    else if (option === 'nocopy') v.volume = { nocopy: true };
    else if (PROPAGATIONS.includes(option)) v.bind = { propagation: option };
  }
  const first = v.source?.[0];
  if (first === '.' || first === '/' || first === '~') v.type = 'bind';
  return v;
}

/** A bind source as the loader leaves it: `~` expanded, relative paths made absolute. */
export function resolveBindSource(source: string, workingDir: string, home: string | undefined): string {
  let p = source;
  if (p.startsWith('~') && home !== undefined) p = home + p.slice(1);
  return isAbsolute(p) ? p : resolve(workingDir, p);
}
