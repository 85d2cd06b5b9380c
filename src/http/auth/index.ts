export { apiKeyAuth } from './api-key.js';
export type { Auth } from './auth.js';
export { authPolicy } from './auth-policy.js';
export { basicAuth } from './basic.js';
export { bearerAuth } from './bearer.js';
export { noAuth } from './none.js';
export { type OAuth2Options, oauth2Auth } from './oauth2.js';
