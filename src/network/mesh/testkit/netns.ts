/**
 * Private network namespaces for the kernel path's tests and benchmark: nothing here
 * touches the host's own namespace (its rules, interfaces, sysctls). Names are unique per
 * process; always destroy() in a finally (it also removes the veth ends inside).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
let counter = 0;

export class NetNs {
  private constructor(readonly name: string) {}

  static async create(tag = 'm'): Promise<NetNs> {
    const name = `shoal-${tag}-${process.pid}-${++counter}`;
    await run('ip', ['netns', 'add', name]);
    const ns = new NetNs(name);
    try {
      await ns.exec('ip', 'link', 'set', 'lo', 'up');
    } catch (e) {
      await ns.destroy();
      throw e;
    }
    return ns;
  }

  async exec(...argv: string[]): Promise<string> {
    const { stdout } = await run('ip', ['netns', 'exec', this.name, ...argv]);
    return stdout;
  }

  async sysctl(key: string, value: string): Promise<void> {
    await this.exec('sysctl', '-q', '-w', `${key}=${value}`);
  }

  async destroy(): Promise<void> {
    await run('ip', ['netns', 'del', this.name]).catch(() => {});
  }
}

/**
 * A veth pair between two namespaces, `a` getting `addrA/24` and `b` getting `addrB/24`
 * (both in one /24).
 */
export async function linkNamespaces(a: NetNs, b: NetNs, addrA: string, addrB: string): Promise<void> {
  const id = `${process.pid % 100000}x${++counter}`;
  const ifA = `sa${id}`;
  const ifB = `sb${id}`;
  await run('ip', [
    'link',
    'add',
    ifA,
    'netns',
    a.name,
    'type',
    'veth',
    'peer',
    'name',
    ifB,
    'netns',
    b.name,
  ]);
  await a.exec('ip', 'addr', 'add', `${addrA}/24`, 'dev', ifA);
  await b.exec('ip', 'addr', 'add', `${addrB}/24`, 'dev', ifB);
  await a.exec('ip', 'link', 'set', ifA, 'up');
  await b.exec('ip', 'link', 'set', ifB, 'up');
}

/** Root on Linux with `ip` and `nft`: why not, or undefined when the kernel tests can run. */
export async function kernelTestsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  try {
    await run('nft', ['--version']);
    await run('ip', ['-V']);
  } catch {
    return 'nft or ip not installed';
  }
  return undefined;
}
