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

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
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
