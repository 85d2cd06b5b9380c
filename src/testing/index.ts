/**
 * Test helpers shipped with the package (`inlet/testing`): a loopback API with seeded
 * fault injection, the middleware it is built from (reused by the simulators), virtual
 * time, reading a synced catalog back, and cassettes: record, replay, `inlet test` (docs/testing.md).
 */
export {
  type Cassette,
  type CassetteQuery,
  type CassetteRequest,
  type CassetteResponse,
  type Interaction,
  parseCassette,
  readCassettes,
  writeCassettes,
} from './cassette.js';
export { type CassetteRecorder, createRecorder } from './cassette-recorder.js';
export { readCatalog } from './catalog.js';
export type { CheckResult } from './checks/check.js';
export { type AcceptedCredentials, type CredentialCheckOptions, credentialCheck } from './credentials.js';
export { type Item, makeItems } from './dataset.js';
export { diffCatalog, type ExportedEntity, expectedText, exportCatalog, parseExpected } from './expected.js';
export {
  type FaultInjector,
  type FaultInjectorOptions,
  type FaultKind,
  type FaultSpec,
  faultInjector,
  genericRateLimitAnswer,
  parseFaultSpec,
  type RateLimitAnswer,
  type RateLimitFault,
} from './faults.js';
export {
  type ReplayedIntegration,
  replayToTempCatalog,
  startBuiltInSimulator,
  syncToTempCatalog,
  type TempCatalog,
  type TempSync,
  tempCatalog,
} from './harness.js';
export { type OAuthOptions, type OAuthServer, oauthServer, type TokenCounters } from './oauth.js';
export { seededRandom } from './prng.js';
export { type RateLimiter, type RateLimiterOptions, rateLimiter } from './rate-limiter.js';
export { type RecordOptions, type RecordResult, recordIntegration } from './record-integration.js';
export { type ReplayConfig, type ReplayServer, startReplay, type UnmatchedRequest } from './replay-server.js';
export { type RecordedRequest, RequestLog } from './request-log.js';
export { type FetchApp, type ServedApp, type ServeOptions, serve } from './serve.js';
export { DEFAULT_TEST_FAULTS, type TestOptions, testIntegration } from './test-integration.js';
export { startTestServer, type TestServer, type TestServerOptions } from './test-server.js';
export { VirtualClock } from './virtual-clock.js';
export {
  githubDelivery,
  jiraDelivery,
  type OutgoingDelivery,
  octopusDelivery,
  sendDelivery,
} from './webhook-sender.js';
