/** Reading the files a configuration names, with the OS reason when that fails. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

/** `ENOENT: no such file or directory` from Node's `ENOENT: no such file or directory, open '/x'`. */
export function osReason(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    const text = error.message.split(', ')[0] ?? error.message;
    return code !== undefined && !text.startsWith(code) ? `${code}: ${text}` : text;
  }
  return String(error);
}

/** Reads a UTF-8 text file, dropping a byte order mark. */
export function readText(absolutePath: string): ReadResult {
  try {
    const text = readFileSync(absolutePath, 'utf8');
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (error) {
    return { ok: false, reason: osReason(error) };
  }
}

export interface PathBase {
  /** The config file as given (relative to `cwd` or absolute). */
  configFile: string;
  cwd: string;
}

/**
 * How to name a path a setting gives, in messages: as given when it came from the environment or is absolute,
 * else joined to the config file's directory (so it reads the way the config file path was given).
 */
export function displayPath(base: PathBase, value: string, fromEnv: boolean): string {
  if (fromEnv || path.isAbsolute(value)) return value;
  return path.join(path.dirname(base.configFile), value);
}

/** Absolute path of a path a setting gives (relative paths: see `displayPath`). */
export function absolutePath(base: PathBase, value: string, fromEnv: boolean): string {
  return path.resolve(base.cwd, displayPath(base, value, fromEnv));
}

export type ReadBytesResult = { ok: true; bytes: Buffer } | { ok: false; reason: string };

/** Reads a file as bytes (user-id files are scanned without decoding them first). */
export function readBytes(absolutePath: string): ReadBytesResult {
  try {
    return { ok: true, bytes: readFileSync(absolutePath) };
  } catch (error) {
    return { ok: false, reason: osReason(error) };
  }
}
