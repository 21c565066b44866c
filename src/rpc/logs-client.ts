/**
 * subscribeLogs: a manager's view of task logs held elsewhere (the leader's log broker).
 * An async iterable of batches; stopping the iteration (break) or aborting `signal`
 * cancels the call, which stops the subscription on the server.
 */
import { type LogBatch, LogsClient } from '../gen/shoal/logs/v1/logs.ts';
import type { RpcChannels } from './channels.ts';
import type { LogRecord, LogSubscription } from './logs.ts';
import { recordFromPb, subscriptionToPb } from './logs-codec.ts';
import { rpcErrorFrom } from './status.ts';

export async function* subscribeLogs(
  channels: RpcChannels,
  addr: string,
  sub: LogSubscription,
  signal?: AbortSignal,
): AsyncIterable<LogRecord[]> {
  if (signal?.aborted) return;
  const call = channels.client(addr, LogsClient).subscribeLogs(subscriptionToPb(sub));
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    call.cancel();
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const batch of call) {
      yield (batch as LogBatch).lines.map(recordFromPb);
    }
  } catch (e) {
    if (stopped) return;
    throw rpcErrorFrom(e, `logs from ${addr}`);
  } finally {
    signal?.removeEventListener('abort', stop);
    stopped = true;
    call.cancel();
  }
}
