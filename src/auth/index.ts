export {
  createTokenProvider,
  type TokenProvider,
  type TokenProviderOptions,
  type ClientCredential,
} from './token-provider.js';
export { createMsalNetworkClient } from './msal-network-client.js';
