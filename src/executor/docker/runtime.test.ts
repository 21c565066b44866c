/**
 * The Docker executor on a real engine, beyond the shared contract: names and labels, the
 * spec's fields as the container sees them, exit codes, OOM, the stop signal and grace
 * period, logs, ports, and adoption by a new executor instance (and only by its own node).
 */
import assert from 'node:assert/strict';
import { after, describe, it, test } from 'node:test';
import { IMAGES, testEngine } from '../../../test/support/dockerd.ts';
import { NS_PER_MS, NS_PER_S } from '../../api/meta.ts';
import { realClock } from '../../base/clock.ts';
import { pollUntil } from '../testing.ts';
import { LABEL, OWNER_LABEL } from './names.ts';
import { busybox, dockerTask, IGNORE_STOP, logLines, runToEnd, SERVE, testExecutor } from './testkit.ts';

const t = await testEngine();
after(() => t.engine?.stop());

if (t.skip !== undefined) {
  test('DockerExecutor on a real engine', { skip: t.skip }, () => {});
} else {
  const engine = t.engine;
  const { docker } = engine;

  describe('DockerExecutor on a real engine', () => {
    it('names containers <service>.<slot>.<task> (global: node id) and labels them', async () => {
      const ex = testExecutor(engine);
      const replicated = dockerTask(busybox('true'), {
        Slot: 3,
        ServiceAnnotations: { Name: 'web' },
        ServiceID: 'svcid1',
      });
      replicated.Spec.ContainerSpec!.Labels = { team: 'blue' };
      const global = dockerTask(busybox('true'), {
        Slot: 0,
        NodeID: 'nodeA',
        ServiceAnnotations: { Name: 'agent' },
      });
      const a = ex.controller(replicated);
      const b = ex.controller(global);
      try {
        await Promise.all([a.prepare(), b.prepare()]);
        const ia = await docker.getContainer(a.containerStatus().ContainerID!).inspect();
        const ib = await docker.getContainer(b.containerStatus().ContainerID!).inspect();
        assert.equal(ia.Name, `/web.3.${replicated.ID}`);
        assert.equal(ib.Name, `/agent.nodeA.${global.ID}`);
        assert.deepEqual(
          {
            svc: ia.Config.Labels[LABEL.serviceId],
            name: ia.Config.Labels[LABEL.serviceName],
            task: ia.Config.Labels[LABEL.taskId],
            taskName: ia.Config.Labels[LABEL.taskName],
            node: ia.Config.Labels[LABEL.nodeId],
            owner: ia.Config.Labels[OWNER_LABEL],
            team: ia.Config.Labels.team,
          },
          {
            svc: 'svcid1',
            name: 'web',
            task: replicated.ID,
            taskName: `web.3.${replicated.ID}`,
            node: 'testnode',
            owner: ex.opts.nodeId,
            team: 'blue',
          },
        );
      } finally {
        await Promise.all([a.remove(), b.remove()]);
        await ex.dispose();
      }
    });

    it('honours the spec: env, dir, user, hostname template, mounts, read-only root, dns, hosts, ulimits, caps, limits', async () => {
      const ex = testExecutor(engine, { hostname: 'node-host' });
      const script = [
        'echo "env=$GREETING"',
        'echo "dir=$(pwd)"',
        'echo "uid=$(id -u)"',
        'echo "host=$(hostname)"',
        'touch /rootfile 2>/dev/null && echo root=rw || echo root=ro',
        'touch /scratch/x && echo scratch=rw',
        'echo "tmpfs=$(grep " /scratch " /proc/mounts | cut -d" " -f3)"',
        'touch /vol/y && echo vol=rw',
        'echo "hosts=$(grep db.internal /etc/hosts)"',
        'echo "nofile=$(ulimit -n)"',
        'grep CapEff /proc/self/status',
      ].join('; ');
      const task = dockerTask(
        busybox(script, {
          Env: ['GREETING=hello {{.Service.Name}}'],
          Dir: '/tmp',
          User: '65534',
          Hostname: '{{.Service.Name}}-{{.Task.Slot}}-{{.Node.Hostname}}',
          ReadOnly: true,
          Mounts: [
            { Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1 << 20, Mode: 0o1777 } },
            { Type: 'volume', Source: `vol-${ex.opts.nodeId}`, Target: '/vol' },
          ],
          DNSConfig: { Nameservers: ['10.9.9.9'] },
          Hosts: ['10.1.2.3 db.internal db'],
          Ulimits: [{ Name: 'nofile', Soft: 1234, Hard: 1234 }],
          CapabilityDrop: ['ALL'],
          Init: true,
          StopSignal: 'SIGINT',
        }),
        { Slot: 2 },
      );
      task.Spec.Resources = { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 64 << 20, Pids: 100 } };
      const ctlr = ex.controller(task);
      try {
        await ctlr.prepare();
        // The volume is root's: let the test's unprivileged user write to it.
        const info = await docker.getContainer(ctlr.containerStatus().ContainerID!).inspect();
        assert.equal(info.HostConfig.NanoCpus, 500_000_000);
        assert.equal(info.HostConfig.Memory, 64 << 20);
        assert.equal(info.HostConfig.PidsLimit, 100);
        assert.equal(info.HostConfig.Init, true);
        assert.equal((info.Config as { StopSignal?: string }).StopSignal, 'SIGINT');
        assert.deepEqual(info.HostConfig.Dns, ['10.9.9.9']);
        assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
        await ctlr.start();
        const exit = await ctlr.wait();
        const out = (await logLines(ctlr)).join('\n');
        assert.match(out, /stdout: env=hello svc/);
        assert.match(out, /stdout: dir=\/tmp/);
        assert.match(out, /stdout: uid=65534/);
        assert.match(out, /stdout: host=svc-2-node-host/);
        assert.match(out, /stdout: root=ro/);
        assert.match(out, /stdout: scratch=rw/);
        assert.match(out, /stdout: tmpfs=tmpfs/);
        assert.match(out, /stdout: hosts=10.1.2.3\s+db.internal/);
        assert.match(out, /stdout: nofile=1234/);
        assert.match(out, /CapEff:\s+0000000000000000/);
        assert.equal(exit.exitCode, 0, out);
      } finally {
        await ctlr.remove();
        await docker
          .getVolume(`vol-${ex.opts.nodeId}`)
          .remove()
          .catch(() => {});
        await ex.dispose();
      }
    });

    it('exit codes: 0 -> COMPLETE, 7 -> FAILED "task: non-zero exit (7)"', async () => {
      const ex = testExecutor(engine);
      try {
        const [ok, bad] = await Promise.all([
          runToEnd(ex, dockerTask(busybox('exit 0'))),
          runToEnd(ex, dockerTask(busybox('echo failing >&2; exit 7'))),
        ]);
        assert.equal(ok.state, 'complete');
        assert.equal(bad.state, 'failed');
        assert.equal(bad.last?.Err, 'task: non-zero exit (7)');
        assert.equal(bad.last?.ContainerStatus?.ExitCode, 7);
      } finally {
        await ex.dispose();
      }
    });

    it('an OOM kill is reported (exit 137, oomKilled)', async () => {
      const ex = testExecutor(engine);
      const task = dockerTask(busybox('exec dd if=/dev/zero of=/dev/null bs=256M count=1'));
      task.Spec.Resources = { Limits: { MemoryBytes: 16 << 20 } };
      const ctlr = ex.controller(task);
      try {
        await ctlr.prepare();
        await docker
          .getContainer(ctlr.containerStatus().ContainerID!)
          .update({ Memory: 16 << 20, MemorySwap: 16 << 20 });
        await ctlr.start();
        const exit = await ctlr.wait();
        assert.deepEqual({ code: exit.exitCode, oom: exit.oomKilled }, { code: 137, oom: true });
      } finally {
        await ctlr.remove();
        await ex.dispose();
      }
    });

    it("stop: the spec's stop signal, and SIGKILL only after the grace period", async () => {
      const ex = testExecutor(engine);
      const polite = ex.controller(
        dockerTask(busybox('trap "exit 10" USR1; while true; do sleep 0.1; done', { StopSignal: 'USR1' })),
      );
      const stubborn = ex.controller(dockerTask(busybox(IGNORE_STOP)));
      try {
        await Promise.all([polite.prepare(), stubborn.prepare()]);
        await Promise.all([polite.start(), stubborn.start()]);
        let t0 = realClock.now();
        await polite.shutdown(5_000);
        assert.ok(realClock.now() - t0 < 2_000, 'stopped by its own signal');
        assert.equal((await polite.wait()).exitCode, 10);
        t0 = realClock.now();
        await stubborn.shutdown(1_500);
        const took = realClock.now() - t0;
        assert.ok(took >= 1_450 && took < 4_000, `killed after ${took} ms`);
        assert.equal((await stubborn.wait()).exitCode, 137);
      } finally {
        await Promise.all([polite.remove(), stubborn.remove()]);
        await ex.dispose();
      }
    });

    it('stop grace period from the spec is used by the runner (default 10 s otherwise)', async () => {
      const ex = testExecutor(engine);
      const task = dockerTask(busybox(IGNORE_STOP, { StopGracePeriod: 700 * NS_PER_MS }));
      const ctlr = ex.controller(task);
      try {
        await ctlr.prepare();
        const info = await docker.getContainer(ctlr.containerStatus().ContainerID!).inspect();
        assert.equal(
          (info.Config as { StopTimeout?: number }).StopTimeout,
          1,
          'docker stop uses the grace too',
        );
      } finally {
        await ctlr.remove();
        await ex.dispose();
      }
    });

    it('logs: stdout and stderr lines with timestamps, tail, since, follow', async () => {
      const ex = testExecutor(engine);
      const ctlr = ex.controller(
        dockerTask(busybox('echo out1; echo err1 >&2; echo out2; sleep 1; echo late; sleep 0.3')),
      );
      try {
        const before = Date.now() - 1_000;
        await ctlr.prepare();
        await ctlr.start();
        const followed: string[] = [];
        for await (const l of ctlr.logs({ follow: true })) {
          followed.push(`${l.stream}: ${new TextDecoder().decode(l.data)}`);
          assert.ok(l.timestamp >= before && l.timestamp <= Date.now() + 1_000, 'wall-clock timestamp');
        }
        // Docker keeps each stream's order, not the order between them.
        assert.deepEqual(
          followed.filter((l) => l.startsWith('stdout')),
          ['stdout: out1', 'stdout: out2', 'stdout: late'],
        );
        assert.deepEqual(
          followed.filter((l) => l.startsWith('stderr')),
          ['stderr: err1'],
        );
        assert.deepEqual(await logLines(ctlr, { tail: 1 }), ['stdout: late']);
        assert.deepEqual(await logLines(ctlr, { stderr: true }), ['stderr: err1']);
        assert.deepEqual(await logLines(ctlr, { since: Date.now() + 60_000 }), []);
      } finally {
        await ctlr.remove();
        await ex.dispose();
      }
    });

    it('logs: a follow ends when its signal aborts', async () => {
      const ex = testExecutor(engine);
      const ctlr = ex.controller(dockerTask(busybox('while true; do echo tick; sleep 0.1; done')));
      try {
        await ctlr.prepare();
        await ctlr.start();
        const abort = new AbortController();
        let n = 0;
        for await (const _ of ctlr.logs({ follow: true, signal: abort.signal })) if (++n === 3) abort.abort();
        assert.ok(n >= 3);
      } finally {
        await ctlr.remove();
        await ex.dispose();
      }
    });

    it('ports: ingress ports on an ephemeral 127.0.0.1 port, host mode on the published port', async () => {
      const ex = testExecutor(engine);
      const hostPort = 20_000 + Math.floor(Math.random() * 20_000);
      const task = dockerTask({ Image: IMAGES.web1 });
      task.Endpoint = {
        Ports: [
          { TargetPort: 80, PublishedPort: 30080, PublishMode: 'ingress', Protocol: 'tcp' },
          { TargetPort: 80, PublishedPort: hostPort, PublishMode: 'host', Protocol: 'tcp' },
        ],
      };
      const ctlr = ex.controller(task);
      try {
        await ctlr.prepare();
        await ctlr.start();
        const eps = ctlr.ports();
        const ingress = eps.find((e) => e.publishMode === 'ingress');
        const host = eps.find((e) => e.publishMode === 'host');
        assert.ok(ingress && host, JSON.stringify(eps));
        assert.equal(ingress.hostIp, '127.0.0.1');
        assert.ok(ingress.hostPort > 0 && ingress.containerIp);
        assert.equal(host.hostPort, hostPort);
        assert.deepEqual(ctlr.portStatus(), [
          { Protocol: 'tcp', TargetPort: 80, PublishedPort: hostPort, PublishMode: 'host' },
        ]);
        const get = async (url: string) => {
          for (let i = 0; ; i++) {
            try {
              return (await (await fetch(url)).text()).trim();
            } catch (e) {
              if (i > 20) throw e;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        };
        assert.equal(await get(`http://127.0.0.1:${ingress.hostPort}/`), IMAGES.web1);
        assert.equal(await get(`http://127.0.0.1:${hostPort}/`), IMAGES.web1);
        assert.equal(await get(`http://${ingress.containerIp}:80/`), IMAGES.web1);
      } finally {
        await ctlr.remove();
        await ex.dispose();
      }
    });

    it('adoption: a new executor of the same node lists and controls the task; another node cannot', async () => {
      const first = testExecutor(engine);
      const nodeId = first.opts.nodeId;
      const task = dockerTask(busybox(SERVE, { StopGracePeriod: 2 * NS_PER_S }));
      const done = dockerTask(busybox('exit 4'));
      const a = first.controller(task);
      const b = first.controller(done);
      await Promise.all([a.prepare(), b.prepare()]);
      await Promise.all([a.start(), b.start()]);
      await b.wait();
      await first.dispose();

      const other = testExecutor(engine);
      const again = testExecutor(engine, { nodeId });
      try {
        assert.deepEqual(await other.list(), [], "another node does not see this node's containers");
        await other.controller(task).remove(); // finds nothing of its own to remove
        const listed = await again.list();
        const byId = new Map(listed.map((l) => [l.taskId, l]));
        assert.equal(byId.get(task.ID)?.running, true);
        assert.equal(byId.get(done.ID)?.running, false);
        assert.equal(byId.get(done.ID)?.exit?.exitCode, 4);
        const adopted = again.controller(task);
        const t0 = realClock.now();
        await adopted.shutdown(2_000);
        assert.ok(realClock.now() - t0 < 1_500);
        assert.equal((await adopted.wait()).exitCode, 143);
        await adopted.remove();
        await again.controller(done).remove();
        assert.deepEqual(await again.list(), []);
      } finally {
        await other.dispose();
        await again.dispose();
      }
    });

    it('prepares and starts tasks in parallel', async () => {
      const ex = testExecutor(engine);
      const ctlrs = Array.from({ length: 8 }, () => ex.controller(dockerTask(busybox(SERVE))));
      try {
        const t0 = realClock.now();
        await Promise.all(
          ctlrs.map(async (c) => {
            await c.prepare();
            await c.start();
          }),
        );
        const took = realClock.now() - t0;
        assert.ok(await pollUntil(realClock, () => ctlrs.every((c) => c.containerStatus().PID), 1_000));
        // Informational: the engine, not the executor, bounds this.
        console.log(`# 8 tasks prepared and started in ${Math.round(took)} ms`);
      } finally {
        await Promise.all(ctlrs.map((c) => c.shutdown(1_000).then(() => c.remove())));
        await ex.dispose();
      }
    });
  });
}
