/**
 * Appends JSON text to one growing Buffer. Building a 200 KB response by string concatenation and then encoding
 * it cost ~5 ms (V8 flattens the rope, and one non-Latin-1 character makes the whole string two-byte); writing
 * pre-encoded fragments straight into bytes is about ten times faster.
 */
const DIGIT_ZERO = 48;

export class ByteWriter {
  private buffer: Buffer;
  private position = 0;

  constructor(initialBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, 64));
  }

  private ensure(extra: number): void {
    if (this.position + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + extra));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  /** Only for text known to be ASCII (ids, digits, JSON punctuation): one byte per character. */
  ascii(text: string): void {
    this.ensure(text.length);
    this.position += this.buffer.write(text, this.position, 'latin1');
  }

  bytes(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.position += bytes.copy(this.buffer, this.position);
  }

  byte(code: number): void {
    this.ensure(1);
    this.buffer[this.position++] = code;
  }

  /** A non-negative integer, zero-padded to `width` digits, without allocating a string. */
  paddedInteger(value: number, width: number): void {
    this.ensure(width);
    let rest = value;
    for (let i = width - 1; i >= 0; i--) {
      this.buffer[this.position + i] = DIGIT_ZERO + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.position += width;
  }

  get length(): number {
    return this.position;
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.position);
  }
}
