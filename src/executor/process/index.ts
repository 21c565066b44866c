/**
 * src/executor/process: the host-process executor. Where the agent would drive a container
 * engine, this runs each assigned task as a supervised process on the node itself: its
 * own folder under the daemon's data directory, its own process group, output captured to
 * log files, a host port per target port, health checks as commands, secrets on a tmpfs.
 * It passes the shared executor contract (../contract.ts). Design:
 * docs/design/process-executor.md.
 */
export { BASE_IMAGES, imageName, resolveArgv } from './command.ts';
export { ProcessController } from './controller.ts';
export { ProcessExecutor, type ProcessExecutorOptions, type ProcessExistingTask } from './executor.ts';
export { type PortMapping, portEnv } from './ports.ts';
export { ProcessTask, type ProcessTaskState } from './task.ts';
