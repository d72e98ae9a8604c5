/**
 * One directory GET, sent as the presence client sends its POST (through src/graph's caller): with the directory's
 * own request budget, so a directory round never takes presence's share and a directory Retry-After never holds
 * presence polling.
 */
import { GraphCaller, type GraphAnswer, type GraphCallerOptions } from '../graph/index.js';
import { classifyDirectoryFailure, type DirectoryOperation, type DirectoryRequestContext } from './failures.js';
import { badPage } from './pages.js';

/** As every Graph caller's (src/graph), with the directory's own budget, never the presence one: Graph throttles
 * directory reads separately. */
export interface DirectoryHttpOptions extends GraphCallerOptions {
  observer?: DirectoryObserver;
}

/** Hooks for metrics and logs, so this module depends on neither. */
export interface DirectoryObserver {
  onResponse?(info: { operation: DirectoryOperation; status: number; durationMs: number }): void;
  onRetryAfter?(info: { operation: DirectoryOperation; status: number; delayMs: number }): void;
  onRetry?(info: { operation: DirectoryOperation; attempt: number; delayMs: number; reason: string }): void;
}

export class DirectoryHttp {
  private readonly caller: GraphCaller;

  constructor(private readonly options: DirectoryHttpOptions) {
    this.caller = new GraphCaller(options);
  }

  /** The parsed JSON body of a 200, or the typed failure of anything else. */
  async getJson(url: string, context: DirectoryRequestContext, signal?: AbortSignal): Promise<unknown> {
    const { operation } = context;
    const observer = this.options.observer;
    const answer = await this.caller.call(
      // A GET changes nothing, so a stop may cut it short: the round is abandoned and its link not stored.
      { url, method: 'GET', cancelOnStop: true },
      {
        failure: (failed) => classifyDirectoryFailure(failureOf(failed), context),
        onResponse: (info) => observer?.onResponse?.({ operation, ...info }),
        onRetryAfter: (info) => observer?.onRetryAfter?.({ operation, ...info }),
        onRetry: (info) => observer?.onRetry?.({ operation, ...info }),
      },
      signal,
    );
    return parseJson(answer.bodyText, context);
  }
}

function failureOf(answer: GraphAnswer): { status: number; bodyText: string; location?: string } {
  const header = answer.headers['location'];
  const location = Array.isArray(header) ? header[0] : header;
  return { status: answer.status, bodyText: answer.bodyText, ...(location === undefined ? {} : { location }) };
}

function parseJson(bodyText: string, context: DirectoryRequestContext): unknown {
  try {
    return JSON.parse(bodyText);
  } catch (error) {
    throw badPage(context.operation, `body is not JSON (${bodyText.length} bytes)`, error);
  }
}
