// Dependencies that test `x instanceof Buffer` (rfdc, when cloning options) read a global `Buffer`, which
// browsers do not have: bind those references to the npm `buffer` package instead.
export { Buffer } from 'buffer'
