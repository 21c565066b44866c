/**
 * src/executor/fake: the in-memory executor for tests and the simulator. Tasks "run" as
 * FakeContainers on the injected clock; their behaviour comes from `shoal.fake.*` labels
 * and the spec's health check (program.ts); a FakeRegistry finds and controls any of them
 * by task id. Passes the shared executor contract (../contract.ts) like process/ and docker/.
 */
export { FakeContainer, type FakeContainerState, type FakeStep } from './container.ts';
export { FakeController } from './controller.ts';
export { FakeExecutor, type FakeExecutorOptions } from './executor.ts';
export { FAKE_LABEL, type FakeProgram, type OnStop, programOf } from './program.ts';
export { FakeRegistry } from './registry.ts';
