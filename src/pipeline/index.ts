export { createWorker, type Worker, type WorkerDependencies } from './worker.js';
export {
  createPresenceProcessor,
  type PresenceProcessorOptions,
  type ProcessorObserver,
} from './presence-processor.js';
