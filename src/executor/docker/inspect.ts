/**
 * What a container inspect (GET /containers/{id}/json) tells a controller: whether it ever
 * started, is running, how it ended, its health and its ports.
 */
import type Docker from 'dockerode';
import type { ContainerStatus } from '../../api/task.ts';
import type { ExitInfo, HealthStatus } from '../executor.ts';

export type Inspected = Docker.ContainerInspectInfo;

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function everStarted(i: Inspected): boolean {
  return i.State.Running || (!!i.State.StartedAt && i.State.StartedAt !== ZERO_TIME);
}

/** How it ended, once it has (never for a container that was only created). */
export function exitOf(i: Inspected): ExitInfo | undefined {
  if (i.State.Running || !everStarted(i)) return undefined;
  const x: ExitInfo = { exitCode: i.State.ExitCode, oomKilled: i.State.OOMKilled };
  if (i.State.Error) x.error = i.State.Error;
  return x;
}

/** Whether the container runs a health check (its own or its image's). */
export function hasHealthCheck(i: Inspected): boolean {
  const test = i.Config.Healthcheck?.Test;
  return !!test && test.length > 0 && test[0] !== 'NONE';
}

export function healthOf(i: Inspected): HealthStatus {
  const s = (i.State as { Health?: { Status?: string } }).Health?.Status;
  return s === 'starting' || s === 'healthy' || s === 'unhealthy' ? s : 'none';
}

/** "health_status: healthy" -> 'healthy'. */
export function healthFromEvent(action: string): HealthStatus | undefined {
  const m = /^health_status:\s*(\w+)/.exec(action);
  const s = m?.[1];
  return s === 'starting' || s === 'healthy' || s === 'unhealthy' ? s : undefined;
}

export function statusOfContainer(i: Inspected): ContainerStatus {
  const cs: ContainerStatus = { ContainerID: i.Id };
  if (i.State.Running && i.State.Pid) cs.PID = i.State.Pid;
  const x = exitOf(i);
  if (x) cs.ExitCode = x.exitCode;
  return cs;
}
