/**
 * Fields every stored object carries, named as in the Docker Engine API so the HTTP layer
 * maps objects one to one. `Version.Index` is the Raft index of the object's last change:
 * an update names the version it was based on, and a stale one is a conflict.
 */
export interface ObjectVersion {
  Index: number;
}

export interface Meta {
  ID: string;
  Version: ObjectVersion;
  /** RFC 3339 timestamps, stamped by the leader that proposed the change. */
  CreatedAt: string;
  UpdatedAt: string;
}

export type Labels = Record<string, string>;

/** Name and labels: the user-facing identity of a spec. */
export interface Annotations {
  Name: string;
  Labels?: Labels;
}

/** Durations are nanoseconds in the Engine API, as in Go. */
export type Nanoseconds = number;

export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;

export type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
