/**
 * The Logs service: one SubscribeLogs call per subscription, served from a LogsBackend. The
 * backend's batches are written as they come; when the stream's buffer is full the next
 * batch waits for 'drain'. The caller cancelling (or going away) aborts the backend's
 * signal; the server shutting down ends every subscription with UNAVAILABLE.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger.ts';
import type { LogBatch, LogsServer, SubscribeLogsRequest } from '../gen/shoal/logs/v1/logs.ts';
import { peerOf } from './gate.ts';
import type { LogsBackend } from './logs.ts';
import { selectsSomething } from './logs.ts';
import { recordToPb, subscriptionFromPb } from './logs-codec.ts';
import { refuse } from './status.ts';

export interface LogsServiceImpl {
  impl: LogsServer;
  readonly open: number;
  /** Ends every subscription (UNAVAILABLE): before the server shuts down. */
  endCalls(): void;
}

type Call = grpc.ServerWritableStream<SubscribeLogsRequest, LogBatch>;

export function logsService(backend: LogsBackend, logger: Logger): LogsServiceImpl {
  const log = logger.child({ service: 'logs' });
  const active = new Map<Call, AbortController>();

  async function serve(call: Call, ac: AbortController): Promise<void> {
    const sub = subscriptionFromPb(call.request);
    if (!selectsSomething(sub.selector)) {
      call.emit(
        'error',
        refuse(grpc.status.INVALID_ARGUMENT, 'a log subscription needs a service, node or task'),
      );
      return;
    }
    log.debug({ from: peerOf(call)?.nodeId, selector: sub.selector, follow: sub.follow }, 'subscription');
    for await (const batch of backend.subscribe(sub, ac.signal)) {
      if (ac.signal.aborted) return;
      if (batch.length === 0) continue;
      if (!call.write({ lines: batch.map(recordToPb) })) await drained(call, ac.signal);
    }
    if (!ac.signal.aborted) call.end();
  }

  return {
    impl: {
      subscribeLogs(call: Call) {
        const ac = new AbortController();
        active.set(call, ac);
        call.on('cancelled', () => ac.abort());
        call.on('error', () => ac.abort());
        serve(call, ac)
          .catch((e: unknown) => {
            if (ac.signal.aborted) return;
            log.error({ error: String(e) }, 'log subscription failed');
            call.emit('error', refuse(grpc.status.UNAVAILABLE, `logs: ${(e as Error).message ?? e}`));
          })
          .finally(() => {
            active.delete(call);
            ac.abort();
          });
      },
    },
    get open() {
      return active.size;
    },
    endCalls() {
      for (const [call, ac] of [...active]) {
        ac.abort();
        active.delete(call);
        if (!call.cancelled && !call.writableEnded)
          call.emit('error', refuse(grpc.status.UNAVAILABLE, 'manager shutting down'));
      }
    },
  };
}

function drained(call: Call, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.removeListener('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
