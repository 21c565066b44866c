/**
 * `shoal swarm init|join|join-token|update|leave|unlock|unlock-key`: the calls and the
 * words of `docker swarm`, with `shoal` in the commands it suggests.
 */
import { type Command, Option } from 'commander';
import type { SwarmSpec } from '../../api/index.ts';
import type { ShoalClient } from '../client/api.ts';
import { CliError } from '../client/errors.ts';
import { act, type Ctx, group, leaf } from '../kit.ts';
import { collect, durationArg, uintArg } from '../options.ts';

async function managerAddr(api: ShoalClient): Promise<string> {
  const info = await api.info();
  const me = (info.Swarm.RemoteManagers ?? []).find((m) => m.NodeID === info.Swarm.NodeID);
  return me?.Addr ?? info.Swarm.RemoteManagers?.[0]?.Addr ?? `${info.Swarm.NodeAddr}:2377`;
}

async function printJoinCommand(ctx: Ctx, role: 'worker' | 'manager'): Promise<void> {
  const swarm = await ctx.api.swarmInspect();
  const token = role === 'worker' ? swarm.JoinTokens?.Worker : swarm.JoinTokens?.Manager;
  ctx.out(
    `To add a ${role} to this swarm, run the following command:\n\n    shoal swarm join --token ${token} ${await managerAddr(ctx.api)}\n\n`,
  );
}

function unlockKeyText(key: string): string {
  return (
    'To unlock a swarm manager after it restarts, run the `shoal swarm unlock`\n' +
    `command and provide the following key:\n\n    ${key}\n\n` +
    'Remember to store this key in a password manager, since without it you\n' +
    'will not be able to restart the manager.\n'
  );
}

interface SpecFlags {
  taskHistoryLimit?: number;
  dispatcherHeartbeat?: number;
  certExpiry?: number;
  snapshotInterval?: number;
  maxSnapshots?: number;
  autolock?: boolean;
}

function specFlags(cmd: Command): Command {
  return cmd
    .option('--task-history-limit <int>', 'Task history retention limit', uintArg)
    .option('--dispatcher-heartbeat <duration>', 'Dispatcher heartbeat period (ns|us|ms|s|m|h)', durationArg)
    .option('--cert-expiry <duration>', 'Validity period for node certificates (ns|us|ms|s|m|h)', durationArg)
    .option('--snapshot-interval <uint>', 'Number of log entries between Raft snapshots', uintArg)
    .option('--max-snapshots <uint>', 'Number of additional Raft snapshots to retain', uintArg);
}

export function applySwarmFlags(spec: SwarmSpec, f: SpecFlags): SwarmSpec {
  const s = structuredClone(spec);
  if (f.taskHistoryLimit !== undefined)
    s.Orchestration = { ...s.Orchestration, TaskHistoryRetentionLimit: f.taskHistoryLimit };
  if (f.dispatcherHeartbeat !== undefined)
    s.Dispatcher = { ...s.Dispatcher, HeartbeatPeriod: f.dispatcherHeartbeat };
  if (f.certExpiry !== undefined) s.CAConfig = { ...s.CAConfig, NodeCertExpiry: f.certExpiry };
  if (f.snapshotInterval !== undefined) s.Raft = { ...s.Raft, SnapshotInterval: f.snapshotInterval };
  if (f.maxSnapshots !== undefined) s.Raft = { ...s.Raft, KeepOldSnapshots: f.maxSnapshots };
  if (f.autolock !== undefined) s.EncryptionConfig = { AutoLockManagers: f.autolock };
  return s;
}

const availability = () =>
  new Option('--availability <string>', 'Availability of the node')
    .choices(['active', 'pause', 'drain'])
    .default('active');

function init(): Command {
  return specFlags(leaf('init', 'Initialize a swarm'))
    .option('--advertise-addr <string>', 'Advertised address (format: "<ip|interface>[:port]")')
    .option('--listen-addr <node-addr>', 'Listen address (format: "<ip|interface>[:port]")', '0.0.0.0:2377')
    .option('--data-path-addr <string>', 'Address or interface to use for data path traffic')
    .option('--data-path-port <uint>', 'Port number to use for data path traffic (1024 - 49151)', uintArg)
    .option('--default-addr-pool <ipNetSlice>', 'default address pool in CIDR format', collect)
    .option('--default-addr-pool-mask-length <uint>', 'default address pool subnet mask length', uintArg)
    .option(
      '--autolock',
      'Enable manager autolocking (requiring an unlock key to start a stopped manager)',
      false,
    )
    .option('--force-new-cluster', 'Force create a new cluster from current state', false)
    .addOption(availability())
    .action(
      act(async (ctx, _args, o) => {
        const req = {
          ListenAddr: o.listenAddr,
          AdvertiseAddr: o.advertiseAddr ?? '',
          DataPathAddr: o.dataPathAddr ?? '',
          DataPathPort: o.dataPathPort ?? 0,
          ForceNewCluster: o.forceNewCluster,
          Spec: applySwarmFlags({ Name: 'default', Labels: {} }, o),
          AutoLockManagers: o.autolock,
          Availability: o.availability,
          ...(o.defaultAddrPool ? { DefaultAddrPool: o.defaultAddrPool } : {}),
          ...(o.defaultAddrPoolMaskLength ? { SubnetSize: o.defaultAddrPoolMaskLength } : {}),
        };
        const nodeId = await ctx.api.swarmInit(req);
        ctx.out(`Swarm initialized: current node (${nodeId}) is now a manager.\n\n`);
        await printJoinCommand(ctx, 'worker');
        ctx.out(
          "To add a manager to this swarm, run 'shoal swarm join-token manager' and follow the instructions.\n\n",
        );
        if (o.autolock) ctx.out(unlockKeyText((await ctx.api.unlockKey()).UnlockKey));
      }),
    );
}

function join(): Command {
  return leaf('join', 'Join a swarm as a node and/or manager')
    .argument('<host:port>')
    .requiredOption('--token <string>', 'Token for entry into the swarm')
    .option('--advertise-addr <string>', 'Advertised address (format: "<ip|interface>[:port]")')
    .option('--listen-addr <node-addr>', 'Listen address (format: "<ip|interface>[:port]")', '0.0.0.0:2377')
    .option('--data-path-addr <string>', 'Address or interface to use for data path traffic')
    .addOption(availability())
    .action(
      act(async (ctx, [remote], o) => {
        await ctx.api.swarmJoin({
          ListenAddr: o.listenAddr,
          AdvertiseAddr: o.advertiseAddr ?? '',
          DataPathAddr: o.dataPathAddr ?? '',
          RemoteAddrs: [remote],
          JoinToken: o.token,
          Availability: o.availability,
        });
        const info = await ctx.api.info();
        ctx.out(`This node joined a swarm as a ${info.Swarm.ControlAvailable ? 'manager' : 'worker'}.\n`);
      }),
    );
}

function joinToken(): Command {
  return leaf('join-token', 'Manage join tokens')
    .argument('<worker|manager>')
    .option('-q, --quiet', 'Only display token', false)
    .option('--rotate', 'Rotate join token', false)
    .action(
      act(async (ctx, [role], o) => {
        if (role !== 'worker' && role !== 'manager') throw new CliError(`unknown role ${role}`);
        if (o.rotate) {
          const sw = await ctx.api.swarmInspect();
          await ctx.api.swarmUpdate(sw.Spec, sw.Version.Index, {
            rotateWorkerToken: role === 'worker',
            rotateManagerToken: role === 'manager',
          });
          if (!o.quiet) ctx.out(`Successfully rotated ${role} join token.\n\n`);
        }
        if (o.quiet) {
          const sw = await ctx.api.swarmInspect();
          ctx.out(`${role === 'worker' ? sw.JoinTokens?.Worker : sw.JoinTokens?.Manager}\n`);
          return;
        }
        await printJoinCommand(ctx, role);
      }),
    );
}

function update(): Command {
  return specFlags(leaf('update', 'Update the swarm'))
    .option('--autolock', 'Change manager autolocking setting (true|false)')
    .option('--no-autolock', 'Turn manager autolocking off')
    .action(
      act(async (ctx, _args, o) => {
        const sw = await ctx.api.swarmInspect();
        const before = sw.Spec.EncryptionConfig?.AutoLockManagers === true;
        await ctx.api.swarmUpdate(applySwarmFlags(sw.Spec, o), sw.Version.Index);
        ctx.out('Swarm updated.\n');
        if (o.autolock === true && !before) {
          ctx.out(unlockKeyText((await ctx.api.unlockKey()).UnlockKey));
        }
      }),
    );
}

function leave(): Command {
  return leaf('leave', 'Leave the swarm')
    .option('-f, --force', 'Force this node to leave the swarm, ignoring warnings', false)
    .action(
      act(async (ctx, _args, o) => {
        await ctx.api.swarmLeave(o.force);
        ctx.out('Node left the swarm.\n');
      }),
    );
}

function unlock(): Command {
  return leaf('unlock', 'Unlock swarm').action(
    act(async (ctx) => {
      const info = await ctx.api.info();
      if (info.Swarm.LocalNodeState !== 'locked') throw new CliError('This node is not part of a swarm');
      if (process.stdin.isTTY) ctx.out('Enter unlock key: ');
      const key = (await ctx.readStdin()).toString('utf8').trim();
      await ctx.api.swarmUnlock(key);
    }),
  );
}

function unlockKey(): Command {
  return leaf('unlock-key', 'Manage the unlock key')
    .option('-q, --quiet', 'Only display token', false)
    .option('--rotate', 'Rotate unlock key', false)
    .action(
      act(async (ctx, _args, o) => {
        if (o.rotate) {
          const sw = await ctx.api.swarmInspect();
          if (sw.Spec.EncryptionConfig?.AutoLockManagers !== true) {
            throw new CliError('cannot rotate because autolock is not turned on');
          }
          await ctx.api.swarmUpdate(sw.Spec, sw.Version.Index, { rotateManagerUnlockKey: true });
          if (!o.quiet) ctx.out('Successfully rotated manager unlock key.\n\n');
        }
        const { UnlockKey } = await ctx.api.unlockKey();
        if (UnlockKey === '') throw new CliError('no unlock key is set');
        ctx.out(o.quiet ? `${UnlockKey}\n` : unlockKeyText(UnlockKey));
      }),
    );
}

export function swarmCommand(): Command {
  return group('swarm', 'Manage Swarm')
    .addCommand(init())
    .addCommand(join())
    .addCommand(joinToken())
    .addCommand(update())
    .addCommand(leave())
    .addCommand(unlock())
    .addCommand(unlockKey());
}
