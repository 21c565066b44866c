/**
 * Log subscriptions and lines to and from their protobuf messages (logs.proto). Line
 * data stays bytes end to end: no UTF-8 decoding on the way through.
 */
import {
  type LogLine,
  LogStream,
  type LogSelector as PbSelector,
  type SubscribeLogsRequest,
} from '../gen/shoal/logs/v1/logs.ts';
import type { LogRecord, LogStreamName, LogSubscription } from './logs.ts';

const STREAM_PB = { stdout: LogStream.LOG_STREAM_STDOUT, stderr: LogStream.LOG_STREAM_STDERR } as const;

function streamName(s: LogStream): LogStreamName | undefined {
  if (s === LogStream.LOG_STREAM_STDOUT) return 'stdout';
  if (s === LogStream.LOG_STREAM_STDERR) return 'stderr';
  return undefined;
}

export function subscriptionToPb(sub: LogSubscription): SubscribeLogsRequest {
  const selector: PbSelector = {
    serviceIds: [...(sub.selector.serviceIds ?? [])],
    nodeIds: [...(sub.selector.nodeIds ?? [])],
    taskIds: [...(sub.selector.taskIds ?? [])],
  };
  const req: SubscribeLogsRequest = {
    selector,
    follow: sub.follow,
    streams: (sub.streams ?? []).map((s) => STREAM_PB[s]),
  };
  if (sub.tail !== undefined) req.tail = sub.tail;
  if (sub.since !== undefined) req.sinceMs = sub.since;
  return req;
}

export function subscriptionFromPb(req: SubscribeLogsRequest): LogSubscription {
  const s = req.selector;
  const sub: LogSubscription = {
    selector: { serviceIds: s?.serviceIds ?? [], nodeIds: s?.nodeIds ?? [], taskIds: s?.taskIds ?? [] },
    follow: req.follow,
  };
  const streams = req.streams.map(streamName).filter((x): x is LogStreamName => x !== undefined);
  if (streams.length > 0) sub.streams = streams;
  if (req.tail !== undefined) sub.tail = req.tail;
  if (req.sinceMs !== undefined) sub.since = req.sinceMs;
  return sub;
}

export function recordToPb(r: LogRecord): LogLine {
  return { context: { ...r.context }, timestampMs: r.timestamp, stream: STREAM_PB[r.stream], data: r.data };
}

export function recordFromPb(l: LogLine): LogRecord {
  return {
    context: {
      serviceId: l.context?.serviceId ?? '',
      nodeId: l.context?.nodeId ?? '',
      taskId: l.context?.taskId ?? '',
    },
    timestamp: l.timestampMs,
    stream: streamName(l.stream) ?? 'stdout',
    data: l.data,
  };
}
