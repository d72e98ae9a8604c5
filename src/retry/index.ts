export { backoffDelayMs, parseRetryAfterMs, type BackoffPolicy } from './backoff.js';
export { isRetriable, isRetriableHttpStatus } from './classify.js';
export { retry, waitUnlessAborted, type RetryOptions, type RetryAttemptInfo } from './retry.js';
