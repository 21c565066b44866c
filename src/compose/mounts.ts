/**
 * Service volumes as swarm mounts: a named volume becomes `<stack>_<name>` (or its `name:`)
 * with the stack label and the volume's driver, an anonymous volume has no source, a bind
 * mount keeps its absolute path, a tmpfs its size. Options of another type are refused
 * with Docker's messages.
 */
import type { Mount } from '../api/task-spec.ts';
import { scoped, withStackLabel } from './namespace.ts';
import { ComposeError, type VolumeConfig, type VolumeMount } from './types.ts';

function base(v: VolumeMount): Mount {
  const m: Mount = { Type: v.type as Mount['Type'], Target: v.target };
  if (v.source) m.Source = v.source;
  if (v.read_only) m.ReadOnly = true;
  if (v.consistency) m.Consistency = v.consistency;
  return m;
}

function volumeMount(stack: string, v: VolumeMount, volumes: Record<string, VolumeConfig>): Mount {
  if (v.tmpfs) throw new ComposeError('tmpfs options are incompatible with type volume');
  if (v.bind) throw new ComposeError('bind options are incompatible with type volume');
  const m = base(v);
  if (!v.source) return m;
  const top = volumes[v.source];
  if (top === undefined) throw new ComposeError(`undefined volume "${v.source}"`);
  m.Source = top.name || scoped(stack, v.source);
  m.VolumeOptions = {};
  if (v.volume?.nocopy) m.VolumeOptions.NoCopy = true;
  if (top.external) return m;
  m.VolumeOptions.Labels = withStackLabel(stack, top.labels);
  if (top.driver || top.driver_opts) {
    m.VolumeOptions.DriverConfig = {
      ...(top.driver ? { Name: top.driver } : {}),
      ...(top.driver_opts ? { Options: top.driver_opts } : {}),
    };
  }
  return m;
}

export function convertMount(stack: string, v: VolumeMount, volumes: Record<string, VolumeConfig>): Mount {
  switch (v.type) {
    case 'volume':
    case '':
      return volumeMount(stack, { ...v, type: 'volume' }, volumes);
    case 'bind': {
      if (!v.source) throw new ComposeError('invalid bind source, source cannot be empty');
      if (v.volume) throw new ComposeError('volume options are incompatible with type bind');
      if (v.tmpfs) throw new ComposeError('tmpfs options are incompatible with type bind');
      const m = base(v);
      if (v.bind) m.BindOptions = v.bind.propagation ? { Propagation: v.bind.propagation } : {};
      return m;
    }
    case 'tmpfs': {
      if (v.source) throw new ComposeError('invalid tmpfs source, source must be empty');
      if (v.bind) throw new ComposeError('bind options are incompatible with type tmpfs');
      if (v.volume) throw new ComposeError('volume options are incompatible with type tmpfs');
      const m = base(v);
      if (v.tmpfs) m.TmpfsOptions = v.tmpfs.size === undefined ? {} : { SizeBytes: v.tmpfs.size };
      return m;
    }
    case 'npipe':
      return base(v);
    default:
      throw new ComposeError('volume type must be volume, bind, tmpfs, npipe, or cluster');
  }
}
