/**
 * src/http: the Engine-compatible HTTP API for everything swarm, as a library the daemon
 * mounts on its unix socket (and TCP+TLS). It is where a task's path starts: `docker
 * service create` arrives here, is decoded as Docker's Go structs would be, and goes to the
 * manager's ControlApi, which writes the store; answers go back in the Engine's JSON and
 * Docker's words. One route file per resource (routes/), mappers between Engine JSON and
 * src/api types (mappers/), one error-to-status table (errors.ts). The daemon implements
 * `Backend` (backend.ts). See docs/design/http.md.
 */
export type {
  Backend,
  DistributionInspect,
  EngineInfo,
  EngineVersion,
  EventMessage,
  EventSubscription,
  InitRequest,
  JoinRequest,
  LocalNodeState,
  LogMessage,
  LogsRequest,
  PeerNode,
  SwarmBackend,
  SwarmLocalInfo,
  SwarmUpdateFlags,
} from './backend.ts';
export {
  errorAnswer,
  HttpStatusError,
  notManagerError,
  STATUS_BY_CODE,
  SWARM_MESSAGES,
  swarmUnavailable,
} from './errors.ts';
export { EVENTS_KEPT, EventLog } from './event-log.ts';
export { applyLogOptions } from './logs.ts';
export { storeEventsToMessages } from './mappers/events.ts';
export { API_VERSION, MIN_API_VERSION } from './router.ts';
export { type ApiServer, type ApiServerOptions, createApiServer, type RequestTrace } from './server.ts';
