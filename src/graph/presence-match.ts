import type { Presence } from './presence.js';

/**
 * The presences of requested users (Graph's order, repeats kept) and the requested ids Graph left out. Graph answers
 * in the order asked (the simulator always does): then one walk pairs both lists without building sets, and each
 * presence takes the requested id string itself. Same text, but the very string the state store is keyed with, so
 * dedup's lookup compares it by identity and the parsed copy can go. Any other answer (an id not asked for, a
 * repeat, another order) takes the general path.
 */
export function matchRequested(
  presences: Presence[],
  ids: readonly string[],
): { presences: Presence[]; missingIds: string[] } {
  let next = 0;
  for (const presence of presences) {
    let at = next;
    while (at < ids.length && ids[at] !== presence.id) at++;
    const requested = ids[at];
    if (requested === undefined)
      return { presences: onlyRequested(presences, ids), missingIds: missingFrom(presences, ids) };
    presence.id = requested;
    next = at + 1;
  }
  // Every presence matched, in order: with as many presences as ids, none was skipped, so none is missing.
  return { presences, missingIds: presences.length === ids.length ? [] : missingFrom(presences, ids) };
}

function onlyRequested(presences: Presence[], ids: readonly string[]): Presence[] {
  const requested = new Set(ids);
  return presences.filter((presence) => requested.has(presence.id));
}

function missingFrom(presences: Presence[], ids: readonly string[]): string[] {
  const returned = new Set(presences.map((presence) => presence.id));
  return ids.filter((id) => !returned.has(id));
}
