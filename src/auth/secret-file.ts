/**
 * A client secret read from `tenant.clientSecretFile`, read again when Entra ID refuses it: a rotated secret (the
 * old one deleted in the app registration, the new one written to the file, e.g. by a Kubernetes secret mount) is
 * picked up without a restart. The value never leaves this object except to build the MSAL client.
 */
import { readFile } from 'node:fs/promises';
import { toError } from '../errors.js';

export type SecretReread =
  | { outcome: 'changed'; secret: string }
  | { outcome: 'unchanged' }
  /** Kept the secret it had: the file could not be read or is empty (a mount being swapped, a typo). */
  | { outcome: 'unreadable'; problem: string };

/** How often, at most, the file is looked at while sign-in is refused for the secret (between attempts). */
export const SECRET_FILE_CHECK_INTERVAL_MS = 1_000;

export class SecretFile {
  private lastCheckAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path: string,
    private secret: string,
    private readonly now: () => number = Date.now,
    private readonly read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
  ) {}

  /** Whether the rate limit allows a look at the file now (it then counts as done). */
  checkDue(): boolean {
    const now = this.now();
    if (now - this.lastCheckAt < SECRET_FILE_CHECK_INTERVAL_MS) return false;
    this.lastCheckAt = now;
    return true;
  }

  /** Reads the file; surrounding whitespace is ignored, as when the config was loaded. */
  async reread(): Promise<SecretReread> {
    this.lastCheckAt = this.now();
    let text: string;
    try {
      text = (await this.read(this.path)).trim();
    } catch (error) {
      return { outcome: 'unreadable', problem: `cannot read ${this.path}: ${toError(error).message}` };
    }
    if (text === '') return { outcome: 'unreadable', problem: `${this.path} is empty` };
    if (text === this.secret) return { outcome: 'unchanged' };
    this.secret = text;
    return { outcome: 'changed', secret: text };
  }
}
