/**
 * The proof tier through the real `docker` CLI: services (replicated, global, jobs, every
 * common flag), networks, secrets, configs, stacks, events and the errors users meet,
 * against a real 3-node Shoal cluster running tasks as host processes
 * (service-scenarios.ts); then the same cluster's API through dockerode.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import Docker from 'dockerode';
import { waitFor } from './harness.ts';
import { serviceScenarios } from './service-scenarios.ts';

serviceScenarios({
  cli: 'docker',
  name: 'services',
  port: 24700,
  more: (ctx) => {
    it('dockerode: list nodes, create a service, inspect it, remove it', async () => {
      const docker = new Docker({ socketPath: ctx.m1.sock });
      const nodes = await docker.listNodes();
      assert.deepEqual(nodes.map((n) => n.Description?.Hostname).sort(), ['m1', 'w1', 'w2']);
      assert.equal(nodes.filter((n) => n.ManagerStatus?.Leader).length, 1);
      const created = (await docker.createService({
        Name: 'sdk',
        TaskTemplate: {
          ContainerSpec: { Image: 'busybox', Args: ['sleep', '3600'], Env: ['FROM=dockerode'] },
        },
        Mode: { Replicated: { Replicas: 2 } },
        Labels: { via: 'dockerode' },
      })) as { ID?: string; id?: string };
      const id = created.ID ?? created.id;
      assert.match(String(id), /^[0-9a-z]{25}$/);
      const svc = docker.getService(String(id));
      const info = (await svc.inspect()) as {
        ID: string;
        Spec: {
          Name: string;
          Labels: Record<string, string>;
          TaskTemplate: { ContainerSpec: { Env: string[] } };
        };
      };
      assert.equal(info.ID, id);
      assert.equal(info.Spec.Name, 'sdk');
      assert.deepEqual(info.Spec.Labels, { via: 'dockerode' });
      assert.deepEqual(info.Spec.TaskTemplate.ContainerSpec.Env, ['FROM=dockerode']);
      await waitFor('2 running sdk tasks', async () => {
        const ts = (await docker.listTasks({
          filters: { service: ['sdk'], 'desired-state': ['running'] },
        })) as {
          Status: { State: string };
        }[];
        return ts.length === 2 && ts.every((t) => t.Status.State === 'running');
      });
      // The docker CLI sees what dockerode made.
      assert.match(
        await ctx.ok(ctx.m1, ['service', 'ls', '--filter', 'name=sdk']),
        /sdk\s+replicated\s+2\/2/,
      );
      await svc.remove();
      const gone = (await svc.inspect().catch((e: unknown) => e)) as { statusCode?: number };
      assert.equal(gone.statusCode, 404);
    });
  },
});
