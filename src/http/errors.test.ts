import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineProblem, swarmkitProblem } from '../api/validate/index.ts';
import { type ErrorCode, ShoalError } from '../base/errors.ts';
import { ControlApiError, daemonError, rpcError } from '../manager/controlapi/index.ts';
import type { SwarmLocalInfo } from './backend.ts';
import { errorAnswer, HttpStatusError, notManagerError, STATUS_BY_CODE, SWARM_MESSAGES } from './errors.ts';

const local = (o: Partial<SwarmLocalInfo>): SwarmLocalInfo => ({
  NodeID: '',
  NodeAddr: '',
  LocalNodeState: 'inactive',
  ControlAvailable: false,
  Error: '',
  RemoteManagers: [],
  ...o,
});

describe('the error table', () => {
  it('maps every code to one status', () => {
    const expected: Record<ErrorCode, number> = {
      invalid_argument: 400,
      failed_precondition: 400,
      not_found: 404,
      already_exists: 409,
      conflict: 409,
      unavailable: 503,
      not_leader: 503,
      timeout: 500,
      cancelled: 500,
      corrupt: 500,
      internal: 500,
    };
    assert.deepEqual(STATUS_BY_CODE, expected);
    for (const [code, status] of Object.entries(expected)) {
      assert.deepEqual(errorAnswer(new ShoalError(code as ErrorCode, 'm')), {
        status,
        message: 'm',
        unexpected: false,
      });
    }
  });

  it('answers a stale version with 409, not Docker’s 500', () => {
    const e = rpcError('conflict', 'Unknown', 'update out of sequence');
    assert.equal(e.httpStatus, 500);
    assert.deepEqual(errorAnswer(e), {
      status: 409,
      message: 'rpc error: code = Unknown desc = update out of sequence',
      unexpected: false,
    });
  });

  it('keeps Docker’s 403 and 501, not its accidental 500s', () => {
    const unimplemented = rpcError('invalid_argument', 'Unimplemented', 'service mode change is not allowed');
    assert.equal(errorAnswer(unimplemented).status, 501);
    const forbidden = daemonError(
      'invalid_argument',
      'bridge is a pre-defined network and cannot be created',
      403,
    );
    assert.equal(errorAnswer(forbidden).status, 403);
    const plain = daemonError('invalid_argument', "Invalid role filter: 'boss'", 500);
    assert.equal(errorAnswer(plain).status, 400);
    assert.equal(errorAnswer(new HttpStatusError('not_found', 'page not found', 404)).status, 404);
  });

  it('prefixes the decoder’s words as Docker’s ReadJSON does', () => {
    const p = engineProblem(
      'Mode',
      'json: cannot unmarshal string into Go struct field ServiceSpec.Mode of type swarm.ServiceMode',
    );
    const e = new ControlApiError('invalid_argument', p.message, p.message, 400, undefined, [p]);
    assert.equal(errorAnswer(e).message, `invalid JSON: ${p.message}`);
    const rule = swarmkitProblem('Name', 'name must be valid as a DNS name component');
    const e2 = new ControlApiError('invalid_argument', 'x', rule.message, 400, 'InvalidArgument', [rule]);
    assert.equal(errorAnswer(e2).message, 'x');
  });

  it('reports a bug as 500 with its message', () => {
    assert.deepEqual(errorAnswer(new TypeError('boom')), { status: 500, message: 'boom', unexpected: true });
  });

  it('words a refused swarm request after the node’s state, as moby’s errNoManager', () => {
    assert.equal(notManagerError(local({})).message, SWARM_MESSAGES.notInSwarmManager);
    assert.equal(
      notManagerError(local({ LocalNodeState: 'error' })).message,
      SWARM_MESSAGES.notInSwarmManager,
    );
    assert.equal(notManagerError(local({ LocalNodeState: 'locked' })).message, SWARM_MESSAGES.locked);
    assert.equal(
      notManagerError(local({ LocalNodeState: 'active', Role: 'worker' })).message,
      SWARM_MESSAGES.worker,
    );
    assert.equal(notManagerError(local({ LocalNodeState: 'pending' })).message, SWARM_MESSAGES.worker);
    assert.equal(
      notManagerError(local({ LocalNodeState: 'active', Role: 'manager' })).message,
      SWARM_MESSAGES.managerNotReady,
    );
    assert.equal(errorAnswer(notManagerError(local({}))).status, 503);
    assert.equal(
      SWARM_MESSAGES.worker,
      "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.",
    );
  });
});
