/** EMQX's default `ws_opts.supported_subprotocols`: no `mqttv3.1`. */
export const EMQX_SUBPROTOCOLS: readonly string[] = ['mqtt', 'mqtt-v3', 'mqtt-v3.1.1', 'mqtt-v5']

/**
 * EMQX's WebSocket handshake (`emqx_ws_connection:parse_sec_websocket_protocol/3`): no subprotocol
 * offered is HTTP 400 while `fail_if_no_subprotocol` is on (the default), else accepted silently;
 * otherwise the first offered one EMQX supports is echoed, and none supported is HTTP 400.
 */
export function negotiateEmqxSubprotocol(
  offered: Iterable<string>,
  supported: readonly string[],
  failIfNoSubprotocol: boolean,
): string | false | { status: number } {
  const list = [...offered]
  if (list.length === 0) return failIfNoSubprotocol ? { status: 400 } : false
  return list.find((protocol) => supported.includes(protocol)) ?? { status: 400 }
}
