/**
 * The Engine API on a daemon's unix socket, for the demo and the multi-daemon tests: the
 * CLI's HTTP transport (src/cli/client/http.ts) with one call shape. An error answer is the
 * CLI's DaemonError (its HTTP status and the daemon's message).
 */
import { DaemonError } from '../cli/client/errors.ts';
import { HttpClient } from '../cli/client/http.ts';

export { DaemonError as EngineError };

export class Engine {
  private readonly http: HttpClient;

  constructor(readonly socketPath: string) {
    this.http = new HttpClient({ kind: 'unix', socketPath }, `unix://${socketPath}`);
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /** The answer parsed as JSON, or its text when it is not JSON (an event stream). */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const a = await this.http.request(method, path, body === undefined ? {} : { body });
    const text = a.body.toString('utf8');
    try {
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch {
      return text as T;
    }
  }
}
