import { isConnectorError } from '../errors.js';

/**
 * The one definition of "worth retrying": a ConnectorError that says so. Every module maps the errors of its own
 * library into ConnectorErrors with `retriable` set (src/kafka from Kafka's retriable flag and protocol error
 * types, src/graph from HTTP status); anything else, a TypeError from a bug above all, is not retried.
 */
export function isRetriable(error: unknown): boolean {
  return isConnectorError(error) && error.retriable;
}

/**
 * HTTP statuses that may succeed unchanged later: request timeout, throttled, and the server-side failures that
 * Microsoft Graph documents as transient. Every other status is an answer that a retry will only repeat.
 */
const RETRIABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function isRetriableHttpStatus(status: number): boolean {
  return RETRIABLE_HTTP_STATUSES.has(status);
}
