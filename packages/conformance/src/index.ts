export { CONFORMANCE_TESTS, describeConformance, pause, waitUntil, type ConformanceTarget } from './suite.case.js'
export * from './fixtures/index.js'
