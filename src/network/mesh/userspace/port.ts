/**
 * What the user-space data path holds per published port (TcpPort, UdpPort): opened once,
 * told of each new endpoint list, closed when the port leaves the table.
 */
import type { Clock } from '../../../base/clock.ts';
import type { MeshPort } from '../types.ts';
import type { Backends } from './backends.ts';

export interface PortSetup {
  port: number;
  /** Listen addresses; `undefined` = every address of the node. */
  addresses: ReadonlyArray<string | undefined>;
  clock: Clock;
  connectTimeoutMs: number;
  udpIdleMs: number;
}

export interface BindFailure {
  address: string;
  error: NodeJS.ErrnoException;
}

export interface PortHandle {
  readonly backends: Backends;
  /** Binds every address; returns the ones that failed (the others stay bound). */
  open(): Promise<BindFailure[]>;
  update(p: MeshPort): void;
  close(): Promise<void>;
}
