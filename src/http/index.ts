export {
  createHttpDispatcher,
  proxySettings,
  type HttpDispatcherOptions,
  type ProxyEnvironment,
  type ProxySettings,
} from './dispatcher.js';
