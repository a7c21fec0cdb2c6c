// readable-stream decodes text only for a stream given an `encoding` (`setEncoding`); MQTT.js, mqtt-packet
// and tidings pass bytes everywhere, so the decoder (and the safe-buffer it brings) is left out. A stream
// that asked for one fails loudly instead of yielding undecoded bytes.
export class StringDecoder {
  constructor() {
    throw new Error('StringDecoder (Readable#setEncoding) is not in this bundle')
  }
}
