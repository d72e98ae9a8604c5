import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from '../support/cli.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** The value printed after a label of the simulator's start-up report, e.g. `  Client id        <guid>`. */
function printed(lines: string[], label: string): string {
  const line = lines.find((candidate) => candidate.trimStart().startsWith(`${label} `));
  const value = line?.trimStart().slice(label.length).trim().split(/\s+/)[0];
  if (value === undefined || value === '') throw new Error(`no "${label}" line in:\n${lines.join('\n')}`);
  return value;
}

describe('presence-connector simulate', () => {
  it('starts, prints its URLs, answers a token request, and stops on SIGTERM', async () => {
    const caFile = join(dir.path, 'ca.pem');
    const cli = startCli(['simulate', '--users', '25', '--churn', '0.5', '--ca-out', caFile]);
    let dispatcher: Agent | undefined;
    try {
      await cli.waitForLine(/^\s+CA certificate\s/);
      const lines = cli.stdoutLines();
      const graphUrl = printed(lines, 'Graph URL');
      const authority = printed(lines, 'Authority');
      expect(graphUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(authority.startsWith(`${graphUrl}/`)).toBe(true);
      expect(printed(lines, 'Users')).toBe('25');
      expect(printed(lines, 'Churn')).toBe('0.5');

      dispatcher = new Agent({ connect: { ca: await readFile(caFile, 'utf8') } });
      const token = await request(`${authority}/oauth2/v2.0/token`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: printed(lines, 'Client id'),
          client_secret: printed(lines, 'Client secret'),
          scope: `${graphUrl}/.default`,
        }).toString(),
      });
      const body = (await token.body.json()) as { token_type?: string; access_token?: string; expires_in?: number };
      expect(token.statusCode).toBe(200);
      expect(body).toMatchObject({
        token_type: 'Bearer',
        access_token: expect.stringMatching(/^eyJ/),
        expires_in: expect.any(Number),
      });

      const exit = await cli.stop('SIGTERM');
      expect(exit).toMatchObject({ code: 0, signal: null });
      await expect(
        request(`${graphUrl}/v1.0/communications/getPresencesByUserId`, {
          method: 'POST',
          dispatcher,
          body: '{"ids":[]}',
        }),
      ).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      cli.child.kill('SIGKILL');
      await dispatcher?.close();
    }
  });

  it('--write-config DIR writes a config that check-config accepts as is, and prints the commands to run next', async () => {
    const sim = join(dir.path, 'sim');
    const cli = startCli(['simulate', '--users', '30', '--write-config', sim, '--brokers', 'kafka-1:9092']);
    try {
      await cli.waitForLine(/^\s+Next\s/);
      const lines = cli.stdoutLines();
      expect(lines).toContain(`  Next             npm run connector -- run --config ${sim}/connector.yaml`);
      expect(lines).toContain(`                   npm run connector -- tail --config ${sim}/connector.yaml`);
      const checked = await runCli(['check-config', '--config', join(sim, 'connector.yaml')]);
      expect(checked.code, checked.stderr).toBe(0);
      const summary = checked.stdout.join('\n');
      expect(summary).toContain(printed(lines, 'Graph URL'));
      expect(summary).toContain('kafka-1:9092');
      expect(summary).toMatch(/simulated\s+30 users/);
      expect((await cli.stop('SIGTERM')).code).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('refuses --brokers without --write-config as a usage error, before starting', async () => {
    const result = await runCli(['simulate', '--brokers', 'kafka-1:9092']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--brokers goes with --write-config DIR');
    expect(result.stdout).toEqual([]);
  });
});
