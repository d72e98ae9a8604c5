export { createHttpDispatcher, type HttpDispatcherOptions } from './dispatcher.js';
