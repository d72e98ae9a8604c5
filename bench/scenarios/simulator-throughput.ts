/**
 * What the simulator can serve on this machine, and what a bare client (undici, TLS, body read and JSON.parse,
 * nothing of the connector) spends per 650-id response: the context for the Graph and end-to-end figures, which
 * are only meaningful while the simulator is not the bottleneck.
 */
import { loadSimulator } from '../lib/simulator-load.js';
import { numberParam, type FigureRow, type Scenario, type ScenarioContext } from '../lib/scenario.js';

export const simulatorThroughput: Scenario = async (context: ScenarioContext) => {
  const result = await loadSimulator({
    users: numberParam(context, 'users', 1_000_000),
    seconds: numberParam(context, 'seconds', 5),
    connections: numberParam(context, 'connections', 4),
    http: false,
    parse: true,
  });
  const rows: FigureRow[] = [
    {
      section: 'simulator',
      figure: `simulator: 650-id requests/s over HTTPS (${result.connections} connections, ${result.users.toLocaleString('en-US')} users)`,
      value: result.requestsPerSecond,
      unit: 'requests/s',
      note: `p50 ${result.latencyP50Ms} ms; simulator ${result.simulatorCpuMsPerRequest ?? '?'} CPU-ms/request`,
    },
    {
      section: 'simulator',
      figure: 'bare client CPU per 650-id response (undici + TLS + body + JSON.parse)',
      value: result.clientCpuMsPerRequest,
      unit: 'CPU-ms',
      note: "the part of the connector's per-request cost that no connector code can avoid",
    },
  ];
  return { rows, details: { ...result } };
};
