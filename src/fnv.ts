/** FNV-1a, 32 bits: a stable, fast hash for spreading names over buckets (not for security or dedup). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * MurmurHash3's finalizer: spreads every input bit over the whole word. FNV-1a alone leaves ids that differ in
 * their last characters (`user-10`, `user-11`) close together in the high bits; a fraction taken from them needs
 * this. (Not applied to state partitions, whose mapping must never change.)
 */
export function mix32(hash: number): number {
  let h = hash >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
