// @livesync/recovery: the recovery engine behind Task/TaskRun: the Task of a
// LiveSynchronization, and the run that recovers its copies.
export * from "./task.js";
export * from "./plan.js";
export * from "./recover.js";
export { apiMessage } from "./recover-object.js";
