/**
 * The options of `service create` and `service update`, as commander parses them
 * (camelCase of the docker flag names). `shared` flags exist on both commands; list flags
 * are plain on create (`--env`) and come in -add/-rm pairs on update (`--env-add`).
 */
import { type Command, Option } from 'commander';
import { bytesArg, collect, cpusArg, durationArg, floatArg, intArg, uintArg } from '../options.ts';

export interface ServiceFlags {
  name?: string;
  mode?: string;
  replicas?: number;
  replicasMaxPerNode?: number;
  maxConcurrent?: number;
  image?: string;
  args?: string;
  force?: boolean;
  rollback?: boolean;
  reserveCpu?: number;
  reserveMemory?: number;
  limitCpu?: number;
  limitMemory?: number;
  limitPids?: number;
  restartCondition?: string;
  restartDelay?: number;
  restartMaxAttempts?: number;
  restartWindow?: number;
  updateParallelism?: number;
  updateDelay?: number;
  updateFailureAction?: string;
  updateMonitor?: number;
  updateMaxFailureRatio?: number;
  updateOrder?: string;
  rollbackParallelism?: number;
  rollbackDelay?: number;
  rollbackFailureAction?: string;
  rollbackMonitor?: number;
  rollbackMaxFailureRatio?: number;
  rollbackOrder?: string;
  healthCmd?: string;
  healthInterval?: number;
  healthRetries?: number;
  healthTimeout?: number;
  healthStartPeriod?: number;
  healthStartInterval?: number;
  /** false with --no-healthcheck. */
  healthcheck?: boolean;
  endpointMode?: string;
  hostname?: string;
  workdir?: string;
  user?: string;
  entrypoint?: string;
  stopSignal?: string;
  stopGracePeriod?: number;
  init?: boolean;
  readOnly?: boolean;
  tty?: boolean;
  logDriver?: string;
  logOpt?: string[];
  detach?: boolean;
  quiet?: boolean;
  // Lists: create's plain flags, update's -add/-rm pairs.
  env?: string[];
  envAdd?: string[];
  envRm?: string[];
  label?: string[];
  labelAdd?: string[];
  labelRm?: string[];
  containerLabel?: string[];
  containerLabelAdd?: string[];
  containerLabelRm?: string[];
  constraint?: string[];
  constraintAdd?: string[];
  constraintRm?: string[];
  placementPref?: string[];
  placementPrefAdd?: string[];
  placementPrefRm?: string[];
  publish?: string[];
  publishAdd?: string[];
  publishRm?: string[];
  secret?: string[];
  secretAdd?: string[];
  secretRm?: string[];
  config?: string[];
  configAdd?: string[];
  configRm?: string[];
  mount?: string[];
  mountAdd?: string[];
  mountRm?: string[];
  network?: string[];
  networkAdd?: string[];
  networkRm?: string[];
  dns?: string[];
  dnsAdd?: string[];
  dnsRm?: string[];
  group?: string[];
  groupAdd?: string[];
  groupRm?: string[];
  capAdd?: string[];
  capDrop?: string[];
  sysctl?: string[];
  sysctlAdd?: string[];
  sysctlRm?: string[];
}

function shared(cmd: Command): Command {
  return cmd
    .option('-d, --detach', 'Exit immediately instead of waiting for the service to converge', false)
    .option('-q, --quiet', 'Suppress progress output', false)
    .option('--replicas <uint>', 'Number of tasks', uintArg)
    .option(
      '--replicas-max-per-node <uint>',
      'Maximum number of tasks per node (default 0 = unlimited)',
      uintArg,
    )
    .option(
      '--max-concurrent <uint>',
      'Number of job tasks to run concurrently (default equal to --replicas)',
      uintArg,
    )
    .option('--reserve-cpu <decimal>', 'Reserve CPUs', cpusArg)
    .option('--reserve-memory <bytes>', 'Reserve Memory', bytesArg)
    .option('--limit-cpu <decimal>', 'Limit CPUs', cpusArg)
    .option('--limit-memory <bytes>', 'Limit Memory', bytesArg)
    .option('--limit-pids <int>', 'Limit maximum number of processes (default 0 = unlimited)', intArg)
    .addOption(
      new Option('--restart-condition <string>', 'Restart when condition is met').choices([
        'none',
        'on-failure',
        'any',
      ]),
    )
    .option('--restart-delay <duration>', 'Delay between restart attempts (ns|us|ms|s|m|h)', durationArg)
    .option('--restart-max-attempts <uint>', 'Maximum number of restarts before giving up', uintArg)
    .option(
      '--restart-window <duration>',
      'Window used to evaluate the restart policy (ns|us|ms|s|m|h)',
      durationArg,
    )
    .option(
      '--update-parallelism <uint>',
      'Maximum number of tasks updated simultaneously (0 to update all at once)',
      uintArg,
    )
    .option('--update-delay <duration>', 'Delay between updates (ns|us|ms|s|m|h)', durationArg)
    .addOption(
      new Option('--update-failure-action <string>', 'Action on update failure').choices([
        'pause',
        'continue',
        'rollback',
      ]),
    )
    .option(
      '--update-monitor <duration>',
      'Duration after each task update to monitor for failure (ns|us|ms|s|m|h)',
      durationArg,
    )
    .option('--update-max-failure-ratio <float>', 'Failure rate to tolerate during an update', floatArg)
    .addOption(new Option('--update-order <string>', 'Update order').choices(['start-first', 'stop-first']))
    .option(
      '--rollback-parallelism <uint>',
      'Maximum number of tasks rolled back simultaneously (0 to roll back all at once)',
      uintArg,
    )
    .option('--rollback-delay <duration>', 'Delay between task rollbacks (ns|us|ms|s|m|h)', durationArg)
    .addOption(
      new Option('--rollback-failure-action <string>', 'Action on rollback failure').choices([
        'pause',
        'continue',
      ]),
    )
    .option(
      '--rollback-monitor <duration>',
      'Duration after each task rollback to monitor for failure (ns|us|ms|s|m|h)',
      durationArg,
    )
    .option('--rollback-max-failure-ratio <float>', 'Failure rate to tolerate during a rollback', floatArg)
    .addOption(
      new Option('--rollback-order <string>', 'Rollback order').choices(['start-first', 'stop-first']),
    )
    .option('--health-cmd <string>', 'Command to run to check health')
    .option('--health-interval <duration>', 'Time between running the check (ms|s|m|h)', durationArg)
    .option('--health-retries <int>', 'Consecutive failures needed to report unhealthy', intArg)
    .option('--health-timeout <duration>', 'Maximum time to allow one check to run (ms|s|m|h)', durationArg)
    .option(
      '--health-start-period <duration>',
      'Start period for the container to initialize before counting retries towards unstable (ms|s|m|h)',
      durationArg,
    )
    .option(
      '--health-start-interval <duration>',
      'Time between running the check during the start period (ms|s|m|h)',
      durationArg,
    )
    .option('--no-healthcheck', 'Disable any container-specified HEALTHCHECK')
    .addOption(new Option('--endpoint-mode <string>', 'Endpoint mode').choices(['vip', 'dnsrr']))
    .option('--hostname <string>', 'Container hostname')
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .option('-u, --user <string>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('--entrypoint <command>', 'Overwrite the default ENTRYPOINT of the image')
    .option('--stop-signal <string>', 'Signal to stop the container')
    .option(
      '--stop-grace-period <duration>',
      'Time to wait before force killing a container (ns|us|ms|s|m|h)',
      durationArg,
    )
    .option('--init', 'Use an init inside each service container to forward signals and reap processes')
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('--log-driver <string>', 'Logging driver for service')
    .option('--log-opt <list>', 'Logging driver options', collect)
    .option('--with-registry-auth', 'Send registry authentication details to swarm agents (ignored)')
    .option('--no-resolve-image', 'Do not query the registry to resolve image digest (always the case)');
}

const LISTS: Array<[string, string]> = [
  ['env', '-e, --env'],
  ['label', '-l, --label'],
  ['container-label', '--container-label'],
  ['constraint', '--constraint'],
  ['placement-pref', '--placement-pref'],
  ['publish', '-p, --publish'],
  ['secret', '--secret'],
  ['config', '--config'],
  ['mount', '--mount'],
  ['network', '--network'],
  ['dns', '--dns'],
  ['group', '--group'],
  ['sysctl', '--sysctl'],
];

export function createFlags(cmd: Command): Command {
  shared(cmd)
    .option('--name <string>', 'Service name')
    .addOption(
      new Option('--mode <string>', 'Service mode')
        .choices(['replicated', 'global', 'replicated-job', 'global-job'])
        .default('replicated'),
    );
  for (const [, flag] of LISTS) cmd.option(`${flag} <value>`, `Set ${flag.replace(/^-\w, /, '')}`, collect);
  return cmd
    .option('--cap-add <list>', 'Add Linux capabilities', collect)
    .option('--cap-drop <list>', 'Drop Linux capabilities', collect);
}

export function updateFlags(cmd: Command): Command {
  shared(cmd)
    .option('--image <string>', 'Service image tag')
    .option('--args <command>', 'Service command args')
    .option('--force', 'Force update even if no changes require it', false)
    .option('--rollback', 'Rollback to previous specification', false);
  for (const [name] of LISTS) {
    cmd.option(`--${name}-add <value>`, `Add or update a ${name}`, collect);
    cmd.option(`--${name}-rm <value>`, `Remove a ${name}`, collect);
  }
  return cmd
    .option('--cap-add <list>', 'Add Linux capabilities', collect)
    .option('--cap-drop <list>', 'Drop Linux capabilities', collect);
}
