export {
  GraphDirectoryClient,
  type DirectoryClientOptions,
  type GroupMembersDeltaOptions,
  type GroupMembersDeltaPage,
  type UsersDeltaOptions,
  type UsersDeltaPage,
} from './directory-client.js';
export type { DirectoryObserver } from './directory-http.js';
export {
  DirectoryDeltaExpiredError,
  DirectoryGroupNotFoundError,
  isDirectoryDeltaExpired,
  isDirectoryGroupNotFound,
  requiredPermission,
  type DeltaExpiryReason,
  type DirectoryOperation,
} from './failures.js';
export { LIST_PAGE_SIZE, USER_SELECT } from './links.js';
export type { DirectoryUser, MemberRef, RemovedUser } from './pages.js';
export { connectorDirectoryClient } from './connector-directory.js';
