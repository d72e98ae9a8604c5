/**
 * What the directory handlers share: their context, the query parameters they read, the page or failure they
 * return, the answer to an expired or unreadable token, and the paging faults (empty pages, entries repeated
 * across pages) that Graph documents and a client must survive.
 */
import type { DeltaTokenCodec, TokenCheck } from './delta-tokens.js';
import type { Directory } from './directory.js';
import type { DirectoryFaults, DirectoryOptions } from './directory-options.js';
import { chance, type Random } from './random.js';

export interface DeltaContext {
  /** `https://127.0.0.1:PORT` */
  origin: string;
  directory: Directory;
  codec: DeltaTokenCodec;
  options: DirectoryOptions;
  faults: DirectoryFaults;
  random: Random;
  nowMs: number;
}

/** Query parameters by lowercase name (`$deltaToken` and `$deltatoken` are one); null when absent. */
export interface DirectoryQuery {
  select: string | null;
  filter: string | null;
  top: string | null;
  skiptoken: string | null;
  deltatoken: string | null;
}

/** How a request relates to a round: starts a full one, an incremental one, asks for `latest`, or pages on. */
export type DirectoryRound = 'full' | 'incremental' | 'latest' | 'next';

export interface DirectoryPage {
  body: object;
  round: DirectoryRound;
  /** Objects in `value` (groups count once, however many members they carry). */
  entries: number;
  /** The page carries the deltaLink (delta) or no nextLink (listings): the round or listing is complete. */
  completed: boolean;
  fault: 'emptyPage' | 'duplicates' | null;
}

export interface DirectoryFailure {
  status: 400 | 404 | 410;
  code: string;
  message: string;
  /** With 410: the URL to start a full round from, as Graph sends it. */
  location?: string;
  fault?: 'expiredDeltaLink' | null;
}

export function isFailure(value: DirectoryPage | DirectoryFailure): value is DirectoryFailure {
  return 'status' in value;
}

export const SYNC_STATE_NOT_FOUND =
  'The sync state generation is not found. The delta token is expired and data must be synchronized again.';
export const RESYNC_REQUIRED = 'The delta token is no longer valid, and the app must reset the sync state.';

/**
 * The answer to a token that did not decode: expired ones as configured (Graph documents 400 syncStateNotFound
 * for expired directory delta links, and 410 with a Location to start over after maintenance); invented or edited
 * ones with a plain 400. `restartUrl` is the round's first request, with an empty `$deltatoken`.
 */
export function tokenFailure<T>(
  check: Exclude<TokenCheck<T>, { ok: true }>,
  faults: DirectoryFaults,
  restartUrl: (state: T) => string,
): DirectoryFailure {
  if (check.reason === 'malformed') {
    return { status: 400, code: 'BadRequest', message: 'The state token in the request is not valid.' };
  }
  if (faults.expiredDeltaLinkStatus === 410) {
    return {
      status: 410,
      code: 'resyncRequired',
      message: RESYNC_REQUIRED,
      location: restartUrl(check.state),
      fault: 'expiredDeltaLink',
    };
  }
  return { status: 400, code: 'syncStateNotFound', message: SYNC_STATE_NOT_FOUND, fault: 'expiredDeltaLink' };
}

/** `?$select=...&$filter=...&$deltatoken=` for the Location of a 410: the initial query of the round. */
export function restartQuery(select: string | null, filter: string | null): string {
  const parts: string[] = [];
  if (select !== null) parts.push(`$select=${encodeURIComponent(select)}`);
  if (filter !== null) parts.push(`$filter=${encodeURIComponent(filter)}`);
  parts.push('$deltatoken=');
  return `?${parts.join('&')}`;
}

/** True when this page is to be an injected empty one (never right after another). */
export function drawEmptyPage(context: DeltaContext, previousWasEmpty: boolean): boolean {
  return !previousWasEmpty && chance(context.random, context.faults.emptyPageShare);
}

/**
 * How many of a page's last entries the next page serves again: a tenth of the page (at least one, never all of
 * it, so that paging moves on), on the share of pages the fault asks for; 0 otherwise.
 */
export function drawRepeated(context: DeltaContext, pageLength: number): number {
  if (pageLength < 2 || !chance(context.random, context.faults.duplicatePageShare)) return 0;
  return Math.min(pageLength - 1, Math.max(1, Math.floor(pageLength / 10)));
}

/** A delta page: `@odata.nextLink` or `@odata.deltaLink` (never both), before `value` as in Graph's examples. */
export function deltaBody(context: string, value: object[], link: { next: string } | { delta: string }): object {
  return 'next' in link
    ? { '@odata.context': context, '@odata.nextLink': link.next, value }
    : { '@odata.context': context, '@odata.deltaLink': link.delta, value };
}
