import { ConnectorError, ErrorCodes } from '../errors.js';

/** A Graph presence, normalised: absent optional parts are null, strings are kept exactly as Graph sent them. */
export interface Presence {
  /** Lowercase user object id. */
  id: string;
  availability: string;
  activity: string;
  statusMessage: StatusMessage | null;
  outOfOffice: OutOfOffice | null;
  workLocation: WorkLocation | null;
  sequenceNumber: string | null;
}

export interface StatusMessage {
  content: string | null;
  contentType: string | null;
  publishedAt: string | null;
  expiresAt: string | null;
  expiresTimeZone: string | null;
}

export interface OutOfOffice {
  isOutOfOffice: boolean;
  message: string | null;
}

export interface WorkLocation {
  workLocationType: string | null;
  source: string | null;
  placeId: string | null;
}

type JsonObject = Record<string, unknown>;

/**
 * Parses a getPresencesByUserId 200 body. Anything that is not the documented shape is a GRAPH_BAD_RESPONSE for
 * the whole batch: publishing half-understood presences would put wrong data on the topic.
 */
export function parsePresenceResponse(bodyText: string): Presence[] {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (error) {
    throw badResponse(`body is not JSON (${bodyText.length} bytes)`, error);
  }
  if (!isObject(body) || !Array.isArray(body['value'])) throw badResponse('body has no "value" array');
  return body['value'].map((entry: unknown, index: number) => parsePresence(entry, index));
}

function parsePresence(entry: unknown, index: number): Presence {
  if (!isObject(entry)) throw badResponse(`value[${index}] is not an object`);
  const id = entry['id'];
  const availability = entry['availability'];
  const activity = entry['activity'];
  if (typeof id !== 'string' || id === '') throw badResponse(`value[${index}].id is missing`);
  if (typeof availability !== 'string') throw badResponse(`value[${index}].availability is missing`);
  if (typeof activity !== 'string') throw badResponse(`value[${index}].activity is missing`);
  return {
    id: id.toLowerCase(),
    availability,
    activity,
    statusMessage: parseStatusMessage(entry['statusMessage']),
    outOfOffice: parseOutOfOffice(entry['outOfOfficeSettings']),
    workLocation: parseWorkLocation(entry['workLocation']),
    sequenceNumber: optionalString(entry['sequenceNumber']),
  };
}

function parseStatusMessage(value: unknown): StatusMessage | null {
  if (!isObject(value)) return null;
  const message = isObject(value['message']) ? value['message'] : {};
  const expiry = isObject(value['expiryDateTime']) ? value['expiryDateTime'] : {};
  return {
    content: optionalString(message['content']),
    contentType: optionalString(message['contentType']),
    publishedAt: optionalString(value['publishedDateTime']),
    expiresAt: optionalString(expiry['dateTime']),
    expiresTimeZone: optionalString(expiry['timeZone']),
  };
}

function parseOutOfOffice(value: unknown): OutOfOffice | null {
  if (!isObject(value)) return null;
  return { isOutOfOffice: value['isOutOfOffice'] === true, message: optionalString(value['message']) };
}

function parseWorkLocation(value: unknown): WorkLocation | null {
  if (!isObject(value)) return null;
  return {
    workLocationType: optionalString(value['workLocationType']),
    source: optionalString(value['source']),
    placeId: optionalString(value['placeId']),
  };
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badResponse(message: string, cause?: unknown): ConnectorError {
  return new ConnectorError(ErrorCodes.GRAPH_BAD_RESPONSE, `unexpected getPresencesByUserId response: ${message}`, {
    cause,
    retriable: true,
  });
}
