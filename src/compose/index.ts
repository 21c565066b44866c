/**
 * Compose files to stacks: what `shoal stack deploy|ls|services|ps|rm` (and the web
 * dashboard) build on. Sits above src/api: load.ts reads and validates files into a model,
 * convert.ts turns the model into Engine specs in a stack's namespace, deploy.ts and
 * remove.ts apply them through a StackClient (http-client.ts over the Engine API).
 * See docs/design/compose.md.
 */
export type * from './client.ts';
export { type ConvertOptions, convertStack, type StackPlan } from './convert.ts';
export { type DeployOptions, type DeployResult, deployStack, type ResolveImage } from './deploy.ts';
export { EngineError, HttpStackClient, type HttpStackClientOptions } from './http-client.ts';
export { listStacks, nothingFound, type StackSummary, stackServices, stackTasks } from './list.ts';
export { type LoadedStack, type LoadOptions, loadStack } from './load.ts';
export { LABEL_IMAGE, LABEL_NAMESPACE, scoped, stackFilter } from './namespace.ts';
export { type RemoveOptions, removeStack } from './remove.ts';
export { type ComposeConfig, ComposeError } from './types.ts';
