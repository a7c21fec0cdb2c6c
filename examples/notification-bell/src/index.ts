/**
 * The notification-bell example: the backend (`startBellBackend`), the demo broker, the page builder,
 * the grants, and the topics both sides share.
 *
 * @module
 */
export { startBellBackend, type BellBackend, type BellBackendOptions } from './backend.js'
export { buildPage, DEFAULT_PAGE_DIR } from './build-page.js'
export { startDemoBroker, type DemoBroker, type DemoBrokerOptions } from './demo-broker.js'
export { backendGrants, issuePageCredentials, pageGrants } from './grants.js'
export type { PageConfig } from './page-files.js'
export { crossSiteProblem } from './same-origin.js'
export { SESSION_COOKIE } from './session.js'
export { notifications, unread, type Notification, type NotificationKind } from './topics.js'
