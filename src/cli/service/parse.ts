/**
 * The small value syntaxes of `service create/update` flags, read as the docker CLI reads
 * them: `-p` (short `[published:]target[/proto]`, ranges, and the long CSV form),
 * `--mount` CSV, `--secret`/`--config` (a name or `source=,target=,uid=,gid=,mode=`),
 * `--network` (a name or `name=,alias=,driver-opt=`), `--env`, `--label`,
 * `--placement-pref spread=...`, and shell-like splitting for `--entrypoint`.
 */
import type { Mount, NetworkAttachmentConfig, PortConfig } from '../../api/index.ts';

export function csvFields(text: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  // Quotes may wrap a field ("volume-opt=o=a,b"), as Go's csv reader allows.
  const re = /(?:"((?:[^"]|"")*)"|([^,]*))(?:,|$)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const f = m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] ?? '');
    if (f !== '') {
      const i = f.indexOf('=');
      out.push(i < 0 ? [f.toLowerCase(), undefined] : [f.slice(0, i).toLowerCase(), f.slice(i + 1)]);
    }
    if (m.index + m[0].length >= text.length) break;
  }
  return out;
}

function port(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new Error(`invalid ${what} port: ${text}`);
  return n;
}

function protocol(p: string): PortConfig['Protocol'] {
  const v = p.toLowerCase();
  if (v !== 'tcp' && v !== 'udp' && v !== 'sctp') throw new Error(`invalid protocol '${p}' for ${p}`);
  return v;
}

function range(text: string, what: string): [number, number] {
  const [a = '', b] = text.split('-');
  const lo = port(a, what);
  return [lo, b === undefined ? lo : port(b, what)];
}

/** `-p`: short or long syntax; a short range gives one PortConfig per port. */
export function parsePublish(text: string): PortConfig[] {
  if (text.includes('=')) {
    const p: PortConfig = { Protocol: 'tcp', TargetPort: 0, PublishMode: 'ingress' };
    for (const [k, v = ''] of csvFields(text)) {
      if (k === 'target') p.TargetPort = port(v, 'target');
      else if (k === 'published') p.PublishedPort = port(v, 'published');
      else if (k === 'protocol') p.Protocol = protocol(v);
      else if (k === 'mode') {
        if (v !== 'ingress' && v !== 'host')
          throw new Error(`invalid publish mode value (${v}): must be either "ingress" or "host"`);
        p.PublishMode = v;
      } else throw new Error(`invalid field key ${k}`);
    }
    if (p.TargetPort === 0) throw new Error('missing mandatory field "target"');
    return [p];
  }
  const [spec = '', proto = 'tcp'] = text.split('/');
  const parts = spec.split(':');
  const target = parts[parts.length - 1] ?? '';
  const published = parts.length > 1 ? (parts[parts.length - 2] ?? '') : '';
  const [tLo, tHi] = range(target, 'target');
  const pr = protocol(proto);
  if (published === '') {
    const out: PortConfig[] = [];
    for (let t = tLo; t <= tHi; t++) out.push({ Protocol: pr, TargetPort: t, PublishMode: 'ingress' });
    return out;
  }
  const [pLo, pHi] = range(published, 'published');
  if (pHi - pLo !== tHi - tLo)
    throw new Error(`invalid ranges specified for container and host Ports: ${text}`);
  const out: PortConfig[] = [];
  for (let i = 0; i <= tHi - tLo; i++) {
    out.push({ Protocol: pr, TargetPort: tLo + i, PublishedPort: pLo + i, PublishMode: 'ingress' });
  }
  return out;
}

function bool(v: string | undefined, key: string): boolean {
  if (v === undefined) return true;
  const t = v.toLowerCase();
  if (['1', 't', 'true'].includes(t)) return true;
  if (['0', 'f', 'false'].includes(t)) return false;
  throw new Error(`invalid value for ${key}: ${v}`);
}

function kv(v: string): [string, string] {
  const i = v.indexOf('=');
  return i < 0 ? [v, ''] : [v.slice(0, i), v.slice(i + 1)];
}

export function parseMount(text: string): Mount {
  const m: Mount = { Type: 'volume', Target: '' };
  const volume = () => {
    m.VolumeOptions ??= {};
    return m.VolumeOptions;
  };
  for (const [k, v] of csvFields(text)) {
    const val = v ?? '';
    switch (k) {
      case 'type':
        if (!['bind', 'volume', 'tmpfs', 'npipe', 'cluster'].includes(val))
          throw new Error(`invalid mount type: ${val}`);
        m.Type = val as Mount['Type'];
        break;
      case 'source':
      case 'src':
        m.Source = val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = bool(v, k);
        break;
      case 'consistency':
        m.Consistency = val;
        break;
      case 'bind-propagation':
        m.BindOptions = { ...m.BindOptions, Propagation: val };
        break;
      case 'bind-nonrecursive':
        m.BindOptions = { ...m.BindOptions, NonRecursive: bool(v, k) };
        break;
      case 'volume-nocopy':
        volume().NoCopy = bool(v, k);
        break;
      case 'volume-label': {
        const [lk, lv] = kv(val);
        volume().Labels = { ...volume().Labels, [lk]: lv };
        break;
      }
      case 'volume-driver':
        volume().DriverConfig = { ...volume().DriverConfig, Name: val };
        break;
      case 'volume-opt': {
        const [ok, ov] = kv(val);
        const d = volume().DriverConfig ?? {};
        volume().DriverConfig = { ...d, Options: { ...d.Options, [ok]: ov } };
        break;
      }
      case 'volume-subpath':
        volume().Subpath = val;
        break;
      case 'tmpfs-size':
        m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: Number(val) };
        break;
      case 'tmpfs-mode':
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: Number.parseInt(val, 8) };
        break;
      default:
        throw new Error(`unexpected key '${k}' in '${text}'`);
    }
  }
  if (m.Target === '') throw new Error('target is required');
  if (m.Type !== 'volume' && m.VolumeOptions)
    throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.Type !== 'bind' && m.BindOptions)
    throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  return m;
}

export interface FileRef {
  source: string;
  target: string;
  uid: string;
  gid: string;
  mode: number;
}

/** `--secret`/`--config`: `name` or `source=name,target=path,uid=0,gid=0,mode=0444`. */
export function parseFileRef(text: string): FileRef {
  const r: FileRef = { source: '', target: '', uid: '0', gid: '0', mode: 0o444 };
  if (!text.includes('=')) return { ...r, source: text, target: text };
  for (const [k, v = ''] of csvFields(text)) {
    if (k === 'source' || k === 'src') r.source = v;
    else if (k === 'target') r.target = v;
    else if (k === 'uid') r.uid = v;
    else if (k === 'gid') r.gid = v;
    else if (k === 'mode') {
      const n = Number.parseInt(v, 8);
      if (Number.isNaN(n)) throw new Error(`invalid mode specified: ${v}`);
      r.mode = n;
    } else throw new Error(`invalid field '${k}' must be a key=value pair`);
  }
  if (r.source === '') throw new Error(`source is required`);
  if (r.target === '') r.target = r.source;
  return r;
}

/** `--network`: `name` or `name=n,alias=a,driver-opt=k=v` (Target still a name here). */
export function parseNetwork(text: string): NetworkAttachmentConfig {
  if (!text.includes('=')) return { Target: text };
  const n: NetworkAttachmentConfig = { Target: '' };
  for (const [k, v = ''] of csvFields(text)) {
    if (k === 'name') n.Target = v;
    else if (k === 'alias') n.Aliases = [...(n.Aliases ?? []), v];
    else if (k === 'driver-opt') {
      const [ok, ov] = kv(v);
      n.DriverOpts = { ...n.DriverOpts, [ok]: ov };
    } else throw new Error(`invalid field key ${k}`);
  }
  if (n.Target === '') throw new Error('network name/id is not specified');
  return n;
}

/** `--env A=1`, or `--env A` taking A from the CLI's environment when set. */
export function parseEnv(text: string, env: NodeJS.ProcessEnv): string {
  if (text.startsWith('=')) throw new Error(`invalid environment variable: ${text}`);
  if (text.includes('=')) return text;
  const v = env[text];
  return v === undefined ? text : `${text}=${v}`;
}

/** `--label a=b` / `--label a`. */
export function parseLabels(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(list.map(kv));
}

export function parsePlacementPref(text: string): { Spread: { SpreadDescriptor: string } } {
  const [k, v] = kv(text);
  if (k !== 'spread') throw new Error(`unsupported placement preference ${k} (only spread is supported)`);
  if (v === '') throw new Error(`invalid placement preference: ${text}`);
  return { Spread: { SpreadDescriptor: v } };
}

/** Splits like a POSIX shell (quotes and backslashes), for `--entrypoint` and `--args`. */
export function shellSplit(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (q !== undefined) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      has = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (q !== undefined) throw new Error('unterminated quote');
  if (has || cur !== '') out.push(cur);
  return out;
}

/** `nginx` -> `nginx:latest`, as the docker CLI names an untagged image. */
export function normalizeImage(image: string): string {
  if (image.includes('@')) return image;
  const last = image.slice(image.lastIndexOf('/') + 1);
  return last.includes(':') ? image : `${image}:latest`;
}
