/** OAuth for remote MCP servers, on the SDK's client auth. See types.ts for the ports a front supplies. */
export { AuthorizationCodeProvider, oauthStoreKey, type AuthorizationCodeOptions } from './authorizationCodeProvider';
export { CrossAppAccessProvider, type CrossAppAccessOptions } from './crossAppAccessProvider';
export { MemorySecretStore } from './memorySecretStore';
export { RedirectFetchUserAgent } from './redirectFetchUserAgent';
export { createServerAuth, machineAuth, type ServerAuthDeps } from './serverAuth';
export { StepUpSSEClientTransport, StepUpStreamableHTTPClientTransport, type StepUpOptions } from './transports';
export {
  AuthorizationUrlRefusedError,
  NeedsSignInError,
  assertHttpAuthorizationUrl,
  parseAuthorizationRedirect,
  type AuthorizationResponse,
  type ServerAuth,
  type UserAgent,
} from './types';
