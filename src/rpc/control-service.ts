/**
 * The Control service: runs a forwarded control-API call on this manager, which should
 * be the leader (only managers get past the gate). The answer is the method's result as
 * JSON, or its failure as a value (control-codec.ts), so a follower can hand its HTTP
 * client exactly what the leader said. A manager that is not the leader (any more) answers
 * `not_leader` and never forwards further: no loops between two confused followers.
 */
import * as grpc from '@grpc/grpc-js';
import { ShoalError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import type { CallResponse, ControlServer } from '../gen/shoal/control/v1/control.ts';
import type { Control } from '../manager/controlapi/control-api.ts';
import { decodeArgs, encodeError, encodeJson, isControlMethod } from './control-codec.ts';
import { peerOf } from './gate.ts';
import { refuse } from './status.ts';

/** What `not_leader` says; ForwardingControl retries on it. */
export const NOT_LEADER_TEXT = 'this manager is not the leader';

/**
 * `control()` is the leader's ControlApi while this manager leads, undefined otherwise
 * (the manager wiring knows which).
 */
export function controlService(control: () => Control | undefined, logger: Logger): ControlServer {
  const log = logger.child({ service: 'control' });
  const failed = (e: unknown): CallResponse => ({ resultJson: new Uint8Array(0), error: encodeError(e) });
  return {
    call(call, callback) {
      const { method, argsJson } = call.request;
      if (!isControlMethod(method)) {
        callback(refuse(grpc.status.UNIMPLEMENTED, `unknown control method: ${method}`));
        return;
      }
      let args: unknown[];
      try {
        args = decodeArgs(argsJson);
      } catch (e) {
        callback(refuse(grpc.status.INVALID_ARGUMENT, `${method}: ${(e as Error).message}`));
        return;
      }
      const target = control();
      if (target === undefined) {
        callback(null, failed(new ShoalError('not_leader', NOT_LEADER_TEXT)));
        return;
      }
      const from = peerOf(call)?.nodeId;
      const fn = target[method] as (...a: unknown[]) => Promise<unknown>;
      let result: Promise<unknown>;
      try {
        result = Promise.resolve(fn.apply(target, args));
      } catch (e) {
        result = Promise.reject(e);
      }
      result.then(
        (r) => {
          log.debug({ method, from }, 'forwarded call');
          callback(null, { resultJson: encodeJson(r), error: undefined });
        },
        (e: unknown) => {
          if (e instanceof ShoalError)
            log.debug({ method, from, code: e.code, error: e.message }, 'forwarded call failed');
          else
            log.error({ method, from, error: String(e), stack: (e as Error).stack }, 'forwarded call threw');
          callback(null, failed(e));
        },
      );
    },
  };
}
