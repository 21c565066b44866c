/** Small wordings shared by the printers: short ids, Title case, images without digests, ports. */
import type { PortConfig } from '../../api/index.ts';

export const shortId = (id: string, trunc = true): string => (trunc ? id.slice(0, 12) : id);

export const title = (s: string): string => (s === '' ? s : s[0]?.toUpperCase() + s.slice(1));

/** `nginx:1.27@sha256:…` -> `nginx:1.27`, as `service ls/ps` show images. */
export function imageNoDigest(image: string | undefined): string {
  if (image === undefined) return '';
  const at = image.indexOf('@');
  return at < 0 ? image : image.slice(0, at);
}

/** `*:8080->80/tcp`, joined with ", ". */
export function portsText(ports: readonly PortConfig[] | undefined, mode?: 'ingress' | 'host'): string {
  return (ports ?? [])
    .filter((p) => (mode === undefined || (p.PublishMode ?? 'ingress') === mode) && p.PublishedPort)
    .map((p) => `*:${p.PublishedPort}->${p.TargetPort}/${p.Protocol ?? 'tcp'}`)
    .join(', ');
}

/** Natural order ("web.2" before "web.10"), as Docker sorts names. */
export const naturalCompare = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' });

export function labelsText(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
