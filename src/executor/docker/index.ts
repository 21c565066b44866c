/**
 * src/executor/docker: tasks as containers on a Docker Engine, through its HTTP API
 * (dockerode). Under the agent in the task's path: each TaskRunner drives one
 * DockerController (prepare = image + secrets + create, start, wait, shutdown, remove);
 * the DockerExecutor describes the node from the engine's info and lists this node's
 * containers for adoption. Passes the shared contract (../contract.ts).
 *
 * - engine.ts: finding the engine, Engine errors as ExecutorErrors.
 * - names.ts: container names, labels, swarm's templates.
 * - create-spec.ts, ports.ts: the task spec as a container create body; ports.
 * - secrets.ts, tar.ts: secrets and configs as files on a tmpfs, never on disk.
 * - controller.ts, inspect.ts, events.ts, logs.ts: the steps and what they observe.
 * Design: docs/design/docker-executor.md.
 */
export { DockerController } from './controller.ts';
export { connect, DEFAULT_DOCKER_SOCKET, type EngineEndpoint, resolveEngine } from './engine.ts';
export { DockerExecutor, type DockerExecutorOptions } from './executor.ts';
export { containerLabels, containerName, LABEL, OWNER_LABEL } from './names.ts';
export type { TaskPortEndpoint } from './ports.ts';
