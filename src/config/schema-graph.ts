/** The `graph` section of the configuration schema: cloud, API version, request shape, budget and backoff. */
import { z } from 'zod';
import { CLOUD_NAMES, isCloudName, NATIONAL_CLOUDS } from './clouds.js';
import { checkHttpsOrigin, checkProxyUrl } from './formats.js';
import { filePath, formatted, int, RELATIVE_PATHS, setting, whenValid } from './schema-common.js';

const requestBudgetSchema = z
  .strictObject({
    maxRequests: int(1, 1_000_000)
      .default(1500)
      .meta(
        setting({
          description:
            'Requests allowed per window for this application in this tenant. Microsoft documents 1,500 per 30 s for presence (one page says 10,000). Requests are spread evenly over the window (after a burst of 8), not sent as a burst that spends it.',
        }),
      ),
    windowSeconds: int(1, 3600)
      .default(30)
      .meta(setting({ description: 'Length of the request budget window, in seconds.' })),
    adaptive: z
      .boolean()
      .default(true)
      .meta(
        setting({
          description:
            'Learn the limit Graph really grants when it is lower than this budget: on a 429 (besides waiting its Retry-After) the worker lowers its request rate to a little below what Graph let through, then climbs back slowly while Graph answers 200, never above its share of this budget. The rate is the metric presence_graph_request_rate_limit and each change is logged at info. With a budget Graph honours there is no 429 and nothing changes. false: the budget alone paces requests, and every window over what Graph grants ends in 429s.',
        }),
      ),
    recoverySeconds: int(1, 86_400)
      .default(300)
      .meta(
        setting({
          description:
            'With adaptive: seconds from the drop after a 429 back up to the rate Graph last let through; the rate rises in steps of about a fifth of this, then keeps probing above. Longer: fewer 429s, more of the budget unused after a drop.',
        }),
      ),
  })
  .meta(setting({ description: "Client-side request budget, kept below Graph's throttling limit." }));

const backoffSchema = z
  .strictObject({
    initialMs: int(1, 600_000)
      .default(1000)
      .meta(
        setting({
          description:
            'Ceiling of the first retry delay when Graph gives no Retry-After, in milliseconds; doubles per attempt. Each delay is drawn at random between 0 and the ceiling (full jitter), so workers do not retry in lockstep.',
        }),
      ),
    maxMs: int(1, 3_600_000)
      .default(60_000)
      .meta(setting({ description: 'Upper bound for the ceiling of one retry delay, in milliseconds.' })),
    maxAttempts: int(1, 100)
      .default(5)
      .meta(
        setting({
          description: 'Attempts per request, the first included, before the batch is given up for this cycle.',
        }),
      ),
  })
  .superRefine(
    (backoff, ctx) => {
      if (
        typeof backoff.initialMs === 'number' &&
        typeof backoff.maxMs === 'number' &&
        backoff.maxMs < backoff.initialMs
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxMs'],
          message: `must be at least backoff.initialMs (${backoff.initialMs})`,
        });
      }
    },
    whenValid('initialMs', 'maxMs'),
  )
  .meta(
    setting({
      description:
        'Retry policy for transient failures without Retry-After: HTTP 408, 429, 500, 502, 503 and 504, a 401 after the token refresh, timeouts and connection errors. A Retry-After replaces the backoff and pauses every request of the tenant.',
    }),
  );

export const graphSchema = z
  .strictObject({
    cloud: z
      .enum(CLOUD_NAMES)
      .default('global')
      .meta(
        setting({
          description:
            'Microsoft cloud: global, usgov (US Government L4), usgov-dod (US Government L5) or custom (graphUrl and authorityUrl given, e.g. a simulator). Presence is not offered in the China cloud.',
        }),
      ),
    graphUrl: formatted(checkHttpsOrigin)
      .optional()
      .meta(
        setting({
          description:
            'Graph service root (https origin, no path). Derived from cloud; required, and only allowed, when cloud is custom.',
          format: 'https URL',
          defaultText: 'derived from graph.cloud',
        }),
      ),
    authorityUrl: formatted(checkHttpsOrigin)
      .optional()
      .meta(
        setting({
          description:
            'Entra ID authority host (https origin, no path; the tenant is appended). Derived from cloud; required, and only allowed, when cloud is custom.',
          format: 'https URL',
          defaultText: 'derived from graph.cloud',
        }),
      ),
    apiVersion: z
      .enum(['v1.0', 'beta'])
      .default('v1.0')
      .meta(setting({ description: 'Graph API version. beta exists only in the global cloud (or custom).' })),
    batchSize: int(1, 650)
      .default(650)
      .meta(setting({ description: 'User ids per getPresencesByUserId request (Graph allows at most 650).' })),
    concurrency: int(1, 64)
      .default(4)
      .meta(setting({ description: 'Requests in flight at once, across all shards.' })),
    requestTimeoutMs: int(1000, 600_000)
      .default(30_000)
      .meta(setting({ description: 'Timeout of one Graph request, in milliseconds.' })),
    requestBudget: requestBudgetSchema.prefault({}),
    backoff: backoffSchema.prefault({}),
    caFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Extra PEM CA bundle trusted for Graph and sign-in (corporate TLS inspection, or the simulator's self-signed certificate), and for an https proxy. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    proxyUrl: formatted(checkProxyUrl)
      .optional()
      .meta(
        setting({
          description:
            'HTTP(S) proxy for sign-in and Graph requests (one CONNECT tunnel per connection), e.g. http://proxy.example.com:3128. ' +
            'When unset, the standard HTTPS_PROXY / HTTP_PROXY variables apply (lowercase too), and they may carry proxy credentials, which this setting may not. ' +
            'NO_PROXY is honoured either way.',
          format: 'URL',
          defaultText: 'HTTPS_PROXY / HTTP_PROXY from the environment, else direct',
        }),
      ),
  })
  .superRefine((graph, ctx) => {
    if (!isCloudName(graph.cloud)) return;
    for (const key of ['graphUrl', 'authorityUrl'] as const) {
      const value = graph[key];
      if (graph.cloud === 'custom') {
        if (value === undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: 'is required when graph.cloud is custom' });
      } else if (value !== undefined) {
        const derived = NATIONAL_CLOUDS[graph.cloud][key];
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `is only allowed when graph.cloud is custom (the ${graph.cloud} cloud uses ${derived})`,
        });
      }
    }
    if (graph.apiVersion === 'beta' && graph.cloud !== 'custom' && !NATIONAL_CLOUDS[graph.cloud].betaAvailable) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiVersion'],
        message: `beta is not offered in the ${NATIONAL_CLOUDS[graph.cloud].label} cloud (${graph.cloud}); use v1.0`,
      });
    }
  }, whenValid('cloud'))
  .meta(setting({ description: 'Microsoft Graph: cloud, API version, request shape and limits.' }));
