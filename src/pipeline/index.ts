export { createWorker, type Worker, type WorkerDependencies } from './worker.js';
export {
  PresencePipeline,
  type PresencePipelineParts,
  type PollingSchedule,
  type PresenceSource,
} from './presence-pipeline.js';
