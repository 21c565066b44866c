/**
 * taskreaper/: the task reaper, last step of a task's path: it deletes tasks that will
 * never run again once their slot holds more than TaskHistoryRetentionLimit of them, and
 * tasks that were removed (scale-down, deleted services, removed nodes). The only
 * component that deletes tasks. See docs/design/orchestrator.md.
 */
export { DEFAULT_HISTORY, historyLimit, keepsHistory, removable, spent, trimSlot } from './history.ts';
export { TaskReaper, type TaskReaperOptions } from './reaper.ts';
