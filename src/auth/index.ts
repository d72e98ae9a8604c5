export {
  createTokenProvider,
  type TokenProvider,
  type TokenProviderOptions,
  type ClientCredential,
} from './token-provider.js';
export { createMsalNetworkClient } from './msal-network-client.js';
export {
  SignInGate,
  SIGN_IN_BACKOFF,
  type SignInObserver,
  type SignInFailedInfo,
  type SignInGateOptions,
} from './sign-in-gate.js';
export {
  classifySignInFailure,
  signInFailureOf,
  type SignInFailure,
  type SignInFailureReason,
} from './sign-in-failure.js';
export { connectorTokens } from './connector-tokens.js';
