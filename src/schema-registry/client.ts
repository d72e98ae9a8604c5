/**
 * A small client of the Confluent Schema Registry REST API (Confluent, Apicurio's /apis/ccompat/v7, Karapace),
 * over undici like the Graph client. Why our own: @confluentinc/schemaregistry pulls the AWS, Azure and GCP KMS
 * SDKs and node-vault for its field-level encryption, which the connector does not use; and
 * @kafkajs/confluent-schema-registry hides HTTP behind its own errors and retries, where the connector needs every
 * failure as a ConnectorError with a retriable flag (src/retry decides on retries, once, for the whole connector),
 * its own request timeout, the shared CA bundle (src/http), and credentials that never reach a log.
 * The few calls needed are a few lines each. No retries here: callers wrap calls in src/retry's retry().
 */
import { request, type Dispatcher } from 'undici';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { createHttpDispatcher } from '../http/index.js';
import {
  RegistryErrorCodes as Codes,
  badResponse,
  httpFailure,
  notFound,
  registryError,
  transportFailure,
  type AuthKind,
  type RegistryAnswer,
  type RequestContext,
} from './failures.js';

export interface SchemaRegistryClientOptions {
  /** API base URL, e.g. http://127.0.0.1:8080/apis/ccompat/v7 (a trailing slash is fine). */
  url: string;
  auth?: { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };
  /** Extra CA bundle (PEM) for https, added to Node's roots. Ignored when `dispatcher` is given (it has its own). */
  caPem?: string;
  requestTimeoutMs: number;
  /** A dispatcher to share (left open by close()); by default the client makes and closes its own. */
  dispatcher?: Dispatcher;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
/** Registries send errors as plain JSON (Apicurio does), so that is accepted too. */
const ACCEPT = `${CONTENT_TYPE}, application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5`;
/** Start-up registration and `tail`'s id lookups: a handful of requests, never many at once. */
const CONNECTIONS = 4;

export class SchemaRegistryClient {
  private readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly authorization: string | undefined;
  private readonly authKind: AuthKind;
  /** Ids are immutable in a registry: a schema fetched once is valid forever. Promises, so lookups share a fetch. */
  private readonly schemasById = new Map<number, Promise<string>>();
  private closed = false;

  constructor(private readonly options: SchemaRegistryClientOptions) {
    this.baseUrl = validatedBaseUrl(options.url);
    this.authKind = options.auth?.kind ?? 'none';
    this.authorization = authorizationHeader(options.auth);
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      createHttpDispatcher({
        connectionsPerOrigin: CONNECTIONS,
        ...(options.caPem === undefined ? {} : { extraCaPem: options.caPem }),
      });
  }

  /** Registers the schema text as given (same text again: same id). */
  async register(subject: string, schemaText: string): Promise<number> {
    const context = this.context('register', subject);
    const answer = await this.send(context, 'POST', `/subjects/${enc(subject)}/versions`, { schema: schemaText });
    if (answer.status !== 200) throw httpFailure(context, answer);
    return field(answer, 'id', isSchemaId, context);
  }

  /** The id and version of this exact schema under the subject, or undefined when it is not there. */
  async lookup(subject: string, schemaText: string): Promise<{ id: number; version: number } | undefined> {
    const context = this.context('lookup', subject);
    const answer = await this.send(context, 'POST', `/subjects/${enc(subject)}`, { schema: schemaText });
    if (isRegistryNotFound(answer, Codes.SUBJECT_NOT_FOUND, Codes.SCHEMA_NOT_FOUND)) return undefined;
    if (answer.status !== 200) throw httpFailure(context, answer);
    return { id: field(answer, 'id', isSchemaId, context), version: field(answer, 'version', isVersion, context) };
  }

  async latest(subject: string): Promise<{ id: number; version: number; schema: string } | undefined> {
    const context = this.context('latest', subject);
    const answer = await this.send(context, 'GET', `/subjects/${enc(subject)}/versions/latest`);
    if (isRegistryNotFound(answer, Codes.SUBJECT_NOT_FOUND, Codes.VERSION_NOT_FOUND)) return undefined;
    if (answer.status !== 200) throw httpFailure(context, answer);
    return {
      id: field(answer, 'id', isSchemaId, context),
      version: field(answer, 'version', isVersion, context),
      schema: field(answer, 'schema', isString, context),
    };
  }

  /** The subject's version numbers, [] when the subject is unknown. */
  async versions(subject: string): Promise<number[]> {
    const context = this.context('versions', subject);
    const answer = await this.send(context, 'GET', `/subjects/${enc(subject)}/versions`);
    if (isRegistryNotFound(answer, Codes.SUBJECT_NOT_FOUND)) return [];
    if (answer.status !== 200) throw httpFailure(context, answer);
    const { body } = answer;
    if (!Array.isArray(body) || !body.every(isVersion)) throw badResponse(context, answer, 'a list of versions');
    return body;
  }

  async schemaAt(subject: string, version: number): Promise<string> {
    const context = this.context('schemaAt', subject);
    const answer = await this.send(context, 'GET', `/subjects/${enc(subject)}/versions/${version}`);
    if (answer.status === 404) throw notFound(context, answer, `version ${version} of subject "${subject}"`);
    if (answer.status !== 200) throw httpFailure(context, answer);
    return field(answer, 'schema', isString, context);
  }

  /** The subject's own level, else the registry's global one (Confluent answers 40408 for "none of its own"). */
  async compatibilityLevel(subject: string): Promise<string> {
    const context = this.context('compatibilityLevel', subject);
    const answer = await this.send(context, 'GET', `/config/${enc(subject)}`);
    if (isRegistryNotFound(answer, Codes.SUBJECT_NOT_FOUND, Codes.SUBJECT_LEVEL_NOT_CONFIGURED)) {
      const globalContext = this.context('compatibilityLevel');
      const global = await this.send(globalContext, 'GET', '/config');
      if (global.status !== 200) throw httpFailure(globalContext, global);
      return level(global, globalContext);
    }
    if (answer.status !== 200) throw httpFailure(context, answer);
    return level(answer, context);
  }

  /** Whether the subject's latest version accepts this schema under its level; true for an unknown subject. */
  async isCompatible(subject: string, schemaText: string): Promise<boolean> {
    const context = this.context('isCompatible', subject);
    const path = `/compatibility/subjects/${enc(subject)}/versions/latest`;
    const answer = await this.send(context, 'POST', path, { schema: schemaText });
    if (isRegistryNotFound(answer, Codes.SUBJECT_NOT_FOUND, Codes.VERSION_NOT_FOUND)) return true;
    if (answer.status !== 200) throw httpFailure(context, answer);
    return field(answer, 'is_compatible', isBoolean, context);
  }

  /** The schema text of a global id, fetched once (ids never change meaning). */
  schemaById(id: number): Promise<string> {
    const cached = this.schemasById.get(id);
    if (cached !== undefined) return cached;
    const fetched = this.fetchSchemaById(id);
    this.schemasById.set(id, fetched);
    // A failure is not cached: the next call asks again. The caller still gets the rejection from `fetched`.
    fetched.catch(() => this.schemasById.delete(id));
    return fetched;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async fetchSchemaById(id: number): Promise<string> {
    const context = this.context('schemaById');
    const answer = await this.send(context, 'GET', `/schemas/ids/${id}`);
    if (answer.status === 404) throw notFound(context, answer, `schema with id ${id}`);
    if (answer.status !== 200) throw httpFailure(context, answer);
    return field(answer, 'schema', isString, context);
  }

  private context(operation: string, subject?: string): RequestContext {
    return subject === undefined
      ? { operation, authKind: this.authKind }
      : { operation, subject, authKind: this.authKind };
  }

  private async send(
    context: RequestContext,
    method: 'GET' | 'POST',
    path: string,
    body?: Record<string, unknown>,
  ): Promise<RegistryAnswer> {
    if (this.closed) {
      throw new ConnectorError(ErrorCodes.SCHEMA_REGISTRY_REQUEST_FAILED, 'the schema registry client is closed', {
        details: { operation: context.operation, subject: context.subject },
      });
    }
    const headers: Record<string, string> = { accept: ACCEPT };
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.authorization !== undefined) headers['authorization'] = this.authorization;
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    try {
      const response = await request(`${this.baseUrl}${path}`, {
        method,
        dispatcher: this.dispatcher,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: timeout,
      });
      const text = await response.body.text();
      return { status: response.statusCode, body: parseJson(text) };
    } catch (error) {
      throw transportFailure(context, error, timeout.aborted, this.options.requestTimeoutMs);
    }
  }
}

function validatedBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConnectorError(ErrorCodes.CONFIG_INVALID, 'the schema registry URL is not a valid URL', { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConnectorError(ErrorCodes.CONFIG_INVALID, 'the schema registry URL must be http:// or https://');
  }
  // A URL is logged and shown in errors; credentials in it would leak there.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConnectorError(
      ErrorCodes.CONFIG_INVALID,
      'the schema registry URL must not carry credentials: configure basic auth or a bearer token instead',
    );
  }
  return url.replace(/\/+$/, '');
}

function authorizationHeader(auth: SchemaRegistryClientOptions['auth']): string | undefined {
  if (auth === undefined) return undefined;
  if (auth.kind === 'bearer') return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON (an HTML error page from a proxy): the status still says what happened, the body adds nothing.
    return undefined;
  }
}

/** A 404 that the registry itself sent with one of the expected error codes. */
function isRegistryNotFound(answer: RegistryAnswer, ...codes: number[]): boolean {
  const { errorCode } = registryError(answer.body);
  return answer.status === 404 && errorCode !== undefined && codes.includes(errorCode);
}

function field<T>(
  answer: RegistryAnswer,
  name: string,
  check: (value: unknown) => value is T,
  context: RequestContext,
): T {
  const { body } = answer;
  const value: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
  if (!check(value)) throw badResponse(context, answer, `a body with "${name}"`);
  return value;
}

/** GET /config answers `compatibilityLevel`; some registries (and PUT) use `compatibility`. */
function level(answer: RegistryAnswer, context: RequestContext): string {
  const { body } = answer;
  const read = (name: string): unknown =>
    typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
  const value = read('compatibilityLevel') ?? read('compatibility');
  if (!isString(value)) throw badResponse(context, answer, 'a compatibility level');
  return value;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

function isSchemaId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}
