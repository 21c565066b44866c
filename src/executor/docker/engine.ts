/**
 * Finding and talking to the Docker Engine: the endpoint as Docker's own tools pick it
 * (an explicit host, else DOCKER_HOST, else the default socket), a dockerode client for
 * it, and Engine errors turned into ExecutorErrors whose message is Docker's own
 * ("No such image: nginx:nope"), temporary when the engine is unreachable.
 */
import Docker from 'dockerode';
import { ExecutorError } from '../errors.ts';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface EngineEndpoint {
  /** As given: unix:///path, tcp://host:port, or a bare socket path. */
  readonly host: string;
  /** The unix socket path when the engine is on this machine. */
  readonly socketPath?: string;
}

/** `--docker-host` if given, else DOCKER_HOST, else /var/run/docker.sock. */
export function resolveEngine(explicit?: string, env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const host = explicit || env.DOCKER_HOST || `unix://${DEFAULT_DOCKER_SOCKET}`;
  if (host.startsWith('unix://')) return { host, socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { host, socketPath: host };
  return { host };
}

/** A dockerode client for an endpoint (tcp:// and http(s):// as dockerode parses them). */
export function connect(ep: EngineEndpoint): Docker {
  if (ep.socketPath !== undefined) return new Docker({ socketPath: ep.socketPath });
  const url = new URL(ep.host.replace(/^tcp:/, 'http:'));
  return new Docker({
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 2376 : 2375)),
  });
}

interface EngineFailure {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  code?: string;
  message?: string;
}

/** The Engine's HTTP status of a failed call (undefined when it never answered). */
export function statusOf(e: unknown): number | undefined {
  return (e as EngineFailure | undefined)?.statusCode;
}

/** The Engine's own message for a failed call ("No such container: …"). */
export function engineMessage(e: unknown): string {
  const f = e as EngineFailure | undefined;
  const m = f?.json?.message;
  if (typeof m === 'string' && m.length > 0) return m;
  if (typeof f?.message === 'string') return f.message.replace(/^\(HTTP code \d+\) [\w ]+ - /, '').trim();
  return String(e);
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** An ExecutorError for a failed Engine call; unreachable engines are temporary. */
export function engineError(e: unknown, what?: string): ExecutorError {
  if (e instanceof ExecutorError) return e;
  const status = statusOf(e);
  const msg = engineMessage(e);
  const text = what ? `${what}: ${msg}` : msg;
  if (status === undefined) {
    const code = (e as EngineFailure | undefined)?.code;
    const temporary = code !== undefined && UNREACHABLE.has(code);
    return new ExecutorError(temporary ? 'unavailable' : 'internal', text, { temporary, cause: e });
  }
  if (status === 404) return new ExecutorError('not_found', msg, { cause: e });
  if (status === 409) return new ExecutorError('conflict', text, { cause: e });
  if (status === 400) return new ExecutorError('invalid_argument', text, { cause: e });
  return new ExecutorError(status >= 500 ? 'internal' : 'failed_precondition', text, { cause: e });
}

export const isNotFound = (e: unknown): boolean => statusOf(e) === 404;
export const isConflict = (e: unknown): boolean => statusOf(e) === 409;
