/**
 * The parts of a WebSocket the transport uses. Both the browser's `WebSocket` and the `ws` package's
 * class have them; nothing here names a Node type, so the browser build stays free of Node.
 */

/** A WebSocket class: the browser's global `WebSocket`, or `WebSocket` from the `ws` package in Node. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => object

/** The instance surface the transport relies on. */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  readonly protocol: string
  readonly bufferedAmount: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code?: number; reason?: string; wasClean?: boolean }) => void) | null
  onerror: ((event: { error?: unknown; message?: string }) => void) | null
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
}

/** Extra surface of the `ws` package: events browsers do not have, plus `terminate()`. */
export interface NodeWebSocketExtras {
  on(event: 'unexpected-response', listener: (request: AbortableRequest, response: HttpResponseLike) => void): unknown
  terminate(): void
}

/** The refused upgrade's HTTP response, as `ws` hands it over. */
export interface HttpResponseLike {
  readonly statusCode?: number
  readonly statusMessage?: string
  on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown
  on(event: 'end' | 'error', listener: () => void): unknown
  resume?(): unknown
}

/** The upgrade request, as `ws` hands it over. */
export interface AbortableRequest {
  destroy(): unknown
}

/** What the transport calls the constructor with (the third argument only reaches `ws`). */
export type WebSocketFactory = new (url: string, protocols: string[], options?: object) => WebSocketLike

/** WebSocket ready states, the same in browsers and `ws`. */
export const OPEN = 1
