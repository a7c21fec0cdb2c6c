// The examples the browser fixtures drive are not packages @tidings/conformance depends on: they are
// reached by path, from this one place.
export {
  backendGrants,
  buildPage,
  startBellBackend,
  startDemoBroker,
  type BellBackend,
  type DemoBroker,
  type PageConfig,
} from '../../../../examples/notification-bell/src/index.js'

/** The nginx-wss example: its site config and certificate script, which the nginx fixture runs for real. */
export const NGINX_EXAMPLE_DIR = new URL('../../../../examples/nginx-wss/', import.meta.url)
