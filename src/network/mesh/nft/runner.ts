/**
 * Running `nft -f -` with a script on stdin (one atomic transaction), in the daemon's own
 * network namespace or, for tests and the benchmark, inside a named one
 * (`ip netns exec NAME nft -f -`). Also sysctls, the same way.
 */
import { spawn } from 'node:child_process';

export interface NftRunner {
  /** Applies `script` atomically; rejects with nft's message on failure. */
  run(script: string): Promise<void>;
  sysctl(key: string, value: string): Promise<void>;
}

export function nftRunner(opts: { netns?: string; nft?: string } = {}): NftRunner {
  const prefix = opts.netns ? ['ip', 'netns', 'exec', opts.netns] : [];
  return {
    run: (script) => exec([...prefix, opts.nft ?? 'nft', '-f', '-'], script),
    sysctl: (key, value) => exec([...prefix, 'sysctl', '-q', '-w', `${key}=${value}`]),
  };
}

export function exec(argv: string[], stdin?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      err += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${argv.join(' ')}: exit ${code}: ${err.trim()}`));
    });
    if (stdin !== undefined) {
      child.stdin!.on('error', () => {}); // an early exit is reported by 'close'
      child.stdin!.end(stdin);
    }
  });
}
