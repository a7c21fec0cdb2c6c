export {
  routerSegments,
  startEmqxContractServer,
  type AuthzCacheClear,
  type EmqxContractServer,
  type EmqxContractServerOptions,
} from './contract-server.js'
export { EMQX_VERIFY_CLAIMS, startEmqxEmulator, type EmqxEmulator } from './emulator.js'
