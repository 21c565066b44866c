/**
 * go-units HumanDuration ("Less than a second", "About a minute", "3 hours") and the
 * timestamps Docker prints: `Running 5 seconds ago`, and Go's time.Time.String() for
 * `network ls`'s CreatedAt and `node inspect --pretty`'s "Joined at".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hoursExact = ms / 3600000;
  const hours = Math.floor(hoursExact + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hoursExact / 24 / 365)} years`;
}

/** "<duration> ago" from an RFC 3339 timestamp. */
export function ago(iso: string | undefined, now: number): string {
  if (iso === undefined || iso === '') return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/** Go's time.Time.String() of a UTC instant: `2026-11-25 21:01:52.512 +0000 UTC`. */
export function goTime(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '0001-01-01 00:00:00 +0000 UTC';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(iso);
  if (m === null) return iso;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ''} +0000 UTC`;
}
