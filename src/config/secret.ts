import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A secret value (client secret, private key) that cannot be logged by accident: string conversion,
 * JSON serialisation and `util.inspect` (console.log, pino, vitest diffs) all print `[redacted]`.
 * The value lives in a private field, so it is not an own enumerable property either.
 * Call `.reveal()` only where the value is handed to the library that needs it.
 */
export class Secret {
  readonly #value: string;
  readonly #file: string | undefined;

  /** `file`: the absolute path the value was read from, so that it can be read again (a rotated client secret). */
  constructor(value: string, file?: string) {
    this.#value = value;
    this.#file = file;
  }

  reveal(): string {
    return this.#value;
  }

  /** The file the value was read from (absolute), or undefined when it came from the environment. */
  get file(): string | undefined {
    return this.#file;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
