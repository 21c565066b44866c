/**
 * RootRotationReconciler (leader only): finishes a root CA rotation once every node holds
 * a certificate of the new root (swarmkit's rootRotationReconciler).
 *
 *   Cluster.RootCA.RootRotation set (controlapi)  ─► nodes are told through their sessions
 *   (the dispatcher's `root-ca` message), renew, and report their certificate's issuer in
 *   Node.Description.TLSInfo  ─► every node's issuer is the new root  ─► RootCA = the new
 *   root alone, join tokens re-made for its digest (new secrets, as swarmkit does)
 *
 * Every node counts, whatever its state (as swarmkit): a node that is down holds the
 * rotation open, since it could not come back with a certificate of the old root once the
 * old root is no longer trusted. `docker node rm` it to let the rotation finish.
 * Checks run on node and cluster events, and once a second.
 */
import type { Clock, Timer } from '../../base/clock.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import { createJoinTokens, finishRotation, rotationProgress } from '../../ca/index.ts';
import type { MemoryStore } from '../../store/index.ts';

export interface RootRotationReconcilerOptions {
  store: MemoryStore;
  clock: Clock;
  logger?: Logger;
  intervalMs?: number;
}

export class RootRotationReconciler {
  private timer: Timer | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private lastReported = '';
  private finishing = false;
  private readonly log: Logger;

  constructor(private readonly opts: RootRotationReconcilerOptions) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'root-rotation' });
  }

  start(): void {
    this.unsubscribe = this.opts.store.subscribe(() => this.check(), { tables: ['nodes', 'clusters'] });
    this.timer = this.opts.clock.setInterval(() => this.check(), this.opts.intervalMs ?? 1_000);
    this.check();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.unsubscribe?.();
  }

  private check(): void {
    if (this.stopped) return;
    const { store } = this.opts;
    const seen = store.view((tx) => {
      const c = tx.clusters.current();
      const root = c?.RootCA;
      if (!c || !root?.RootRotation) return undefined;
      return { root, progress: rotationProgress(root, tx.nodes.all()) };
    });
    if (!seen) return;
    const { root, progress } = seen;
    const report = `${progress.converged}/${progress.total}`;
    if (report !== this.lastReported) {
      this.lastReported = report;
      this.log.info({ converged: progress.converged, total: progress.total }, 'root rotation progress');
    }
    if (!progress.complete || this.finishing) return;
    this.finishing = true;
    store
      .update((tx) => {
        const c = tx.clusters.current();
        // Another rotation started (or this one finished) meanwhile: nothing to do here.
        if (!c?.RootCA?.RootRotation || c.RootCA.RootRotation.CACert !== root.RootRotation?.CACert) return;
        const next = finishRotation({
          CACert: c.RootCA.CACert,
          CAKey: c.RootCA.CAKey,
          RootRotation: { ...c.RootCA.RootRotation },
          ...(c.RootCA.LastForcedRotation !== undefined && {
            LastForcedRotation: c.RootCA.LastForcedRotation,
          }),
        });
        const tokens = createJoinTokens(next.CACert);
        tx.clusters.update(
          Object.assign({}, c, {
            RootCA: next,
            JoinTokens: { Worker: tokens.worker, Manager: tokens.manager },
          }),
        );
      })
      .then(
        () => this.log.info({}, 'completed root rotation'),
        (e: unknown) => this.log.warn({ err: (e as Error).message }, 'could not complete root rotation'),
      )
      .finally(() => {
        this.finishing = false;
      });
  }
}
