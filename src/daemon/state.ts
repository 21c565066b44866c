/**
 * The daemon's own state file (`<data dir>/state.json`): whether this node is in a swarm,
 * and what it needs to come back after a restart as the same node — its node id, cluster,
 * role, addresses, the managers it knows, and its current Raft member id while a manager.
 * Written atomically (temp file, fsync, rename, directory fsync).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeAvailability } from '../api/node.ts';
import { writeFileAtomic } from '../crypt/keyfile.ts';

export type Role = 'manager' | 'worker';

export interface SwarmState {
  nodeId: string;
  clusterId: string;
  role: Role;
  /** Where the cluster RPC listens while this node is a manager (host:port). */
  listenAddr: string;
  /** Where other nodes reach this node (host:port). */
  advertiseAddr: string;
  /** Manager addresses this node dials (kept fresh from its sessions). */
  remoteManagers: string[];
  /** This node's Raft member id while it is a manager (a new one each time it becomes one). */
  raftId?: string;
  /** `swarm join --availability`, until the swarm has recorded the node. */
  availability?: NodeAvailability;
}

export interface DaemonState {
  version: 1;
  swarm: SwarmState | null;
}

export class StateFile {
  readonly path: string;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.path = join(dataDir, 'state.json');
  }

  load(): DaemonState {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, swarm: null };
      throw e;
    }
    const s = JSON.parse(text) as DaemonState;
    if (s.version !== 1) throw new Error(`${this.path}: unknown state version ${String(s.version)}`);
    return s;
  }

  save(s: DaemonState): void {
    writeFileAtomic(this.path, `${JSON.stringify(s, null, 2)}\n`, 0o600);
  }
}
