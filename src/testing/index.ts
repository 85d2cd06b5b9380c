/**
 * Test helpers shipped with the package (`inlet/testing`): a loopback API with seeded
 * fault injection, the middleware it is built from (reused by the simulators), virtual
 * time, and reading a synced catalog back.
 */
export { readCatalog } from './catalog.js';
export { type AcceptedCredentials, type CredentialCheckOptions, credentialCheck } from './credentials.js';
export { type Item, makeItems } from './dataset.js';
export {
  type FaultInjector,
  type FaultInjectorOptions,
  type FaultKind,
  type FaultSpec,
  faultInjector,
  parseFaultSpec,
} from './faults.js';
export { type OAuthOptions, type OAuthServer, oauthServer, type TokenCounters } from './oauth.js';
export { seededRandom } from './prng.js';
export { type RateLimiter, type RateLimiterOptions, rateLimiter } from './rate-limiter.js';
export { type RecordedRequest, RequestLog } from './request-log.js';
export { type FetchApp, type ServedApp, type ServeOptions, serve } from './serve.js';
export { startTestServer, type TestServer, type TestServerOptions } from './test-server.js';
export { VirtualClock } from './virtual-clock.js';
export {
  githubDelivery,
  jiraDelivery,
  type OutgoingDelivery,
  octopusDelivery,
  sendDelivery,
} from './webhook-sender.js';
