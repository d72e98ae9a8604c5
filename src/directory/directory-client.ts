/**
 * The Graph directory client discovery uses: a group's users (transitive membership, listed in full), the tenant's
 * users (users delta) and a group's direct membership changes (group delta). Every operation is an async iterable
 * of pages, so a round over a million users holds one page at a time; a delta round's last page carries the
 * deltaLink to store for the next, incremental round.
 */
import { DirectoryHttp, type DirectoryHttpOptions } from './directory-http.js';
import { DirectoryGroupNotFoundError, type DirectoryRequestContext } from './failures.js';
import { DirectoryEndpoints, normaliseGroupId } from './links.js';
import {
  badPage,
  pageOf,
  parseGroupDelta,
  parseGroupUsers,
  parseUsersDelta,
  type DirectoryUser,
  type MemberRef,
  type PageLinks,
  type RemovedUser,
} from './pages.js';

/** The directory's own budget in `budget`: a RequestBudget instance apart from the presence client's. */
export interface DirectoryClientOptions extends DirectoryHttpOptions {
  graphUrl: string;
  apiVersion: string;
}

export interface UsersDeltaOptions {
  /** Resume from the deltaLink of an earlier round: only what changed since is returned. Absent: a full round. */
  deltaLink?: string;
  signal?: AbortSignal;
}

export interface UsersDeltaPage {
  /** Users created or changed (a full round: every user that exists). */
  upserted: DirectoryUser[];
  /** Users deleted (`changed`: to the recycle bin; `deleted`: for good). */
  removed: RemovedUser[];
  /** On the round's last page only: store it for the next round. */
  deltaLink: string | null;
}

export interface GroupMembersDeltaOptions {
  groupId: string;
  /** Resume from the deltaLink of an earlier round of this group. Absent: a full round (the current members). */
  deltaLink?: string;
  signal?: AbortSignal;
}

export interface GroupMembersDeltaPage {
  /** Direct members added (a full round: every current direct member). Nested groups come as kind `group`. */
  added: MemberRef[];
  removed: MemberRef[];
  /** The group itself was deleted: every member is gone. */
  groupRemoved: boolean;
  deltaLink: string | null;
}

export class GraphDirectoryClient {
  private readonly http: DirectoryHttp;
  private readonly endpoints: DirectoryEndpoints;

  constructor(options: DirectoryClientOptions) {
    this.http = new DirectoryHttp(options);
    this.endpoints = new DirectoryEndpoints(options.graphUrl, options.apiVersion);
  }

  /**
   * The users among a group's transitive members (nested groups included, each user once per page; Graph lists
   * a user once), a page of up to 999 at a time. A group that does not exist fails with
   * DirectoryGroupNotFoundError; without GroupMember.Read.All, GRAPH_FORBIDDEN.
   */
  async *listGroupUsers(groupId: string, signal?: AbortSignal): AsyncGenerator<DirectoryUser[], void, undefined> {
    const id = normaliseGroupId(groupId);
    const context: DirectoryRequestContext = { operation: 'listGroupUsers', groupId: id };
    for await (const page of this.pages(this.endpoints.groupUsers(id), context, false, signal)) {
      yield parseGroupUsers(page.value, describe(context));
    }
  }

  /**
   * The tenant's users: a full round, or with `deltaLink` an incremental one. Pages may be empty and users may
   * repeat across pages (apply pages in order: the later one wins). An expired link fails with
   * DirectoryDeltaExpiredError before any page; without User.Read.All, GRAPH_FORBIDDEN.
   */
  async *usersDelta(options: UsersDeltaOptions = {}): AsyncGenerator<UsersDeltaPage, void, undefined> {
    const context: DirectoryRequestContext = { operation: 'usersDelta' };
    const first =
      options.deltaLink === undefined
        ? this.endpoints.usersDelta()
        : this.endpoints.storedDeltaLink(options.deltaLink, 'users');
    for await (const page of this.pages(first, context, true, options.signal)) {
      yield { ...parseUsersDelta(page.value, describe(context)), deltaLink: page.links.deltaLink };
    }
  }

  /**
   * One group's direct membership: a full round, or with `deltaLink` the changes since. Group delta does not
   * follow nested groups: a nested group is a member of kind `group`, for the caller to track in turn. A full
   * round of a group that does not exist fails with DirectoryGroupNotFoundError (Graph answers it with no group
   * rather than a 404).
   */
  async *groupMembersDelta(options: GroupMembersDeltaOptions): AsyncGenerator<GroupMembersDeltaPage, void, undefined> {
    const id = normaliseGroupId(options.groupId);
    const context: DirectoryRequestContext = { operation: 'groupMembersDelta', groupId: id };
    const { deltaLink } = options;
    const full = deltaLink === undefined;
    const first = full ? this.endpoints.groupsDelta(id) : this.endpoints.storedDeltaLink(deltaLink, 'groups');
    let groupSeen = false;
    for await (const page of this.pages(first, context, true, options.signal)) {
      const { groupSeen: seenHere, ...entries } = parseGroupDelta(page.value, id, describe(context));
      groupSeen ||= seenHere;
      // Checked before the last page is handed over, so that a caller never stores the link of a missing group.
      if (full && !groupSeen && page.links.deltaLink !== null) {
        throw new DirectoryGroupNotFoundError(id, { operation: context.operation, status: 200 });
      }
      yield { ...entries, deltaLink: page.links.deltaLink };
    }
  }

  /**
   * The pages of one listing or delta round, following nextLinks. A delta round ends only on a deltaLink: a page
   * with neither link would leave the caller with nothing to resume from.
   */
  private async *pages(
    first: string,
    context: DirectoryRequestContext,
    delta: boolean,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<{ value: unknown[]; links: PageLinks }, void, undefined> {
    let url: string | null = first;
    while (url !== null) {
      const page = pageOf(await this.http.getJson(url, context, signal), describe(context));
      const { nextLink, deltaLink } = page.links;
      if (delta && nextLink === null && deltaLink === null) {
        throw badPage(describe(context), 'a delta page has neither "@odata.nextLink" nor "@odata.deltaLink"');
      }
      // Graph never sends both; if it did, the nextLink is the rest of the round and the deltaLink comes later.
      const links = {
        nextLink,
        deltaLink: nextLink === null && deltaLink !== null ? this.endpoints.followed(deltaLink, context) : null,
      };
      url = nextLink === null ? null : this.endpoints.followed(nextLink, context);
      yield { value: page.value, links };
    }
  }
}

function describe(context: DirectoryRequestContext): string {
  return context.groupId === undefined ? context.operation : `${context.operation} of group ${context.groupId}`;
}
