// The browser build imports only the client class: `mqtt`'s own browser entry bundles every transport
// (and only has a default export), while `mqtt/lib/client` pulls in no socket code at all.
export { default as MqttClient } from 'mqtt/lib/client'
