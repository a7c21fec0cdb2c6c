// The shared test certificates (a throwaway CA and a localhost/127.0.0.1 server certificate).
export { makeCertificates, type TestCertificates } from '../../../conformance/src/fixtures/certs.js'
