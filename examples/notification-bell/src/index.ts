/**
 * The notification-bell example: the backend (`startBellBackend`), the page server and page builder,
 * and the topics both sides share.
 *
 * @module
 */
export { startBellBackend, type BellBackend, type BellBackendOptions } from './backend.js'
export { buildPage, DEFAULT_PAGE_DIR } from './build-page.js'
export { startPageServer, type PageConfig, type PageServer } from './page-server.js'
export { notifications, unread, type Notification, type NotificationKind } from './topics.js'
