/**
 * Can the kernel path run here? Root on Linux with an `nft` that can program NAT: checked
 * by a dry run (`nft -c -f -`, which changes nothing) of a small table with every
 * construct the ruleset uses (numgen maps, fib, verdict maps, concatenations).
 */
import { renderRuleset } from './ruleset.ts';
import { exec } from './runner.ts';

export type NftSupport = { ok: true } | { ok: false; reason: string };

export async function detectNft(opts: { netns?: string; nft?: string } = {}): Promise<NftSupport> {
  if (process.platform !== 'linux') return { ok: false, reason: 'not Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  const nft = opts.nft ?? 'nft';
  const prefix = opts.netns ? ['ip', 'netns', 'exec', opts.netns] : [];
  const probe = renderRuleset({
    table: 'shoal-mesh-probe',
    ctMark: 0x4000,
    expired: [{ host: '127.0.0.9', protocol: 'tcp', port: 9 }],
    ports: [
      {
        port: 9,
        protocol: 'tcp',
        serviceId: 'probe',
        balance: 'round-robin',
        proxyProtocol: false,
        endpoints: [{ id: 't', host: '127.0.0.9', port: 9, drainMs: 0, local: false }],
      },
    ],
  });
  try {
    await exec([...prefix, nft, '-c', '-f', '-'], probe);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `nft cannot program the mesh: ${(e as Error).message}` };
  }
}
