/**
 * Loaded into the soak's worker only (`node --expose-gc --import` this file): on SIGUSR2 a full collection, then the
 * heap still in use written to SOAK_HEAP_FILE. The live heap after a collection is what a leak makes grow; the heap
 * sampled at a random moment swings by 100-200 MiB between collections at 100,000 users and hides a slow leak.
 * The connector itself has no such hook: a bench-only preload keeps it out of the product.
 */
import { writeFileSync } from 'node:fs';

const file = process.env['SOAK_HEAP_FILE'];
const collect = globalThis.gc;
if (file !== undefined && collect !== undefined) {
  process.on('SIGUSR2', () => {
    collect();
    writeFileSync(file, JSON.stringify({ heapUsedBytes: process.memoryUsage().heapUsed, at: Date.now() }));
  });
}
