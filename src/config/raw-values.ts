/** Small readers of not-yet-validated config values, shared by the credential and Kafka security resolvers. */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { envOriginOf } from './env-overrides.js';
import { absolutePath, displayPath, readText } from './files.js';
import { problemAt, type ResolveContext } from './issues.js';
import { formatPath, type ConfigPath } from './problems.js';
import { settingLeaves } from './settings.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The environment variable of a setting, for messages that say where a secret may come from. */
export function envName(path: ConfigPath): string {
  const leaf = settingLeaves().find((candidate) => candidate.path === formatPath(path));
  return leaf?.envVar ?? formatPath(path);
}

/** Parses an unencrypted PEM private key, or reports at `where` why it cannot be used. */
export function parsePemPrivateKey(
  context: ResolveContext,
  pem: string,
  where: ConfigPath,
  whoNeedsIt: string,
): KeyObject | undefined {
  if (pem.includes('ENCRYPTED')) {
    context.problems.push(
      problemAt(
        context,
        where,
        `the private key is encrypted; ${whoNeedsIt} needs an unencrypted PEM key (openssl pkcs8 -topk8 -nocrypt)`,
      ),
    );
    return undefined;
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    context.problems.push(problemAt(context, where, `is not a PEM private key (${reason})`));
    return undefined;
  }
}

export interface ReadFile {
  absolute: string;
  display: string;
  text: string;
}

/** Reads the file a path setting names (relative to the config file, or the cwd when set by env), or reports why not. */
export function readSettingFile(context: ResolveContext, settingPath: ConfigPath, file: string): ReadFile | undefined {
  const fromEnv = envOriginOf(context.origins, settingPath) !== undefined;
  const display = displayPath(context, file, fromEnv);
  const absolute = absolutePath(context, file, fromEnv);
  const read = readText(absolute);
  if (!read.ok) {
    context.problems.push(problemAt(context, settingPath, `cannot read ${display}: ${read.reason}`));
    return undefined;
  }
  return { absolute, display, text: read.text };
}
