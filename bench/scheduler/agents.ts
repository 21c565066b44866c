/**
 * The agents process of the control-plane benchmark (launched by run.ts): N real Agents,
 * each with a FakeExecutor on the real clock (a container prepares and starts in a few
 * ms), all dialing the manager through one SessionSocketClient (one unix-socket
 * connection carrying every session). On a real cluster these are N machines; here they
 * share one process, which is why it is not the manager's.
 *
 * It records when the fake executor's start() is called for a probe service's task (the
 * end of "service created -> executor start called") on the wall clock both processes
 * share, and tells the launcher.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Agent } from '../../src/agent/agent.ts';
import type { Task } from '../../src/api/task.ts';
import { realClock } from '../../src/base/clock.ts';
import type { Logger } from '../../src/base/logger.ts';
import { SeededRng } from '../../src/base/rng.ts';
import type { Controller, ControllerDeps, Executor } from '../../src/executor/executor.ts';
import { FakeExecutor } from '../../src/executor/fake/executor.ts';
import { FakeRegistry } from '../../src/executor/fake/registry.ts';
import { SessionSocketClient } from '../../src/manager/dispatcher/socketlink.ts';
import {
  type BenchConfig,
  MANAGER_ADDR,
  memory,
  type ParentMessage,
  PROBE_PREFIX,
  type ProbeStart,
  send,
  usageMeter,
  wallMs,
} from './shared.ts';

/** The FakeExecutor, noting when start() is called for a probe task. */
class TimedExecutor implements Executor {
  constructor(
    private readonly inner: FakeExecutor,
    private readonly started: (task: Task) => void,
  ) {}

  describe() {
    return this.inner.describe();
  }

  list() {
    return this.inner.list();
  }

  dispose() {
    return this.inner.dispose();
  }

  controller(task: Task, deps?: ControllerDeps): Controller {
    const c = this.inner.controller(task, deps);
    if (!task.ServiceAnnotations?.Name.startsWith(PROBE_PREFIX)) return c;
    const start = c.start.bind(c);
    c.start = () => {
      this.started(task);
      return start();
    };
    return c;
  }
}

/** Counts why sessions ended (every other log line is dropped). */
function endCounter(counts: Record<string, number>, times: number[]): Logger {
  const self: Logger = {
    debug() {},
    info(fields, msg) {
      if (msg !== 'session ended') return;
      const why = String(fields.reason ?? fields.code ?? 'unknown');
      counts[why] = (counts[why] ?? 0) + 1;
      times.push(wallMs());
    },
    warn() {},
    error() {},
    child: () => self,
  };
  return self;
}

function main(config: BenchConfig): void {
  const sessionEnds: Record<string, number> = {};
  const sessionEndTimes: number[] = [];
  const logger = endCounter(sessionEnds, sessionEndTimes);
  const rng = new SeededRng(2);
  const at = config.listenAt;
  if (!at) throw new Error('agents: no manager address');
  const client = new SessionSocketClient({ resolve: () => at, connections: config.connections });
  const registry = new FakeRegistry();
  let starts: ProbeStart[] = [];
  const seen = new Set<string>();
  const flush = setInterval(() => {
    if (starts.length === 0) return;
    send({ type: 'probe-starts', starts });
    starts = [];
  }, 50);
  const started = (task: Task) => {
    if (seen.has(task.ID)) return;
    seen.add(task.ID);
    starts.push({ serviceId: task.ServiceID, at: wallMs() });
  };
  const agents: Agent[] = [];
  const dialAt = wallMs();
  for (let i = 0; i < config.nodes; i++) {
    const nodeId = `worker-${String(i).padStart(5, '0')}`;
    const executor = new FakeExecutor({
      clock: realClock,
      rng: rng.fork(),
      hostname: nodeId,
      registry,
      jitter: 0.3,
      program: (_task, p) => ({ ...p, prepareMs: config.prepareMs, startMs: config.startMs }),
    });
    const agent = new Agent({
      nodeId,
      executor: new TimedExecutor(executor, started),
      dialer: client.dialer({ addr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }),
      managers: [MANAGER_ADDR],
      clock: realClock,
      rng: rng.fork(),
      logger,
    });
    agents.push(agent);
    void agent.start();
  }
  let sessionsAt = 0;
  const poll = setInterval(() => {
    if (!agents.every((a) => a.state === 'ready')) return;
    sessionsAt = wallMs();
    clearInterval(poll);
  }, 20);

  const meter = usageMeter();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'mark') {
      meter.mark();
      lag.reset();
      lag.enable();
    } else if (m.type === 'report') {
      lag.disable();
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      send({
        type: 'agents-result',
        result: {
          dialAt,
          sessionsAt,
          usage: meter.read(),
          memory: memory(),
          link: client.stats,
          sessionEnds,
          sessionEndTimes,
          lagMs: { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) },
        },
      });
    } else if (m.type === 'stop') {
      clearInterval(flush);
      client.close();
      process.exit(0);
    }
  });
}

process.once('message', (m: ParentMessage) => {
  if (m.type === 'config') main(m.config);
});
