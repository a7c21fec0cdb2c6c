export { createAppEvents, type AppEvents, type NetworkStatus } from './app-events.js'
export {
  createFakePlatform,
  type FakePlatform,
  type FakePlatformOptions,
  type FakeTask,
  type PlatformShape,
} from './fake-platform.js'
export {
  memoryWire,
  wsWire,
  type MemoryConnection,
  type Wire,
  type WireConnection,
  type WireHandlers,
  type WireRequest,
} from './wire.js'
export {
  BUNDLE_FILE,
  buildBundle,
  freezableTimers,
  loadMiniProgram,
  type FreezableTimers,
  type MiniProgramSandbox,
  type SandboxOptions,
} from './sandbox.js'
