import {
  parseJSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/server';
import type WebSocket from 'ws';

/** Bytes queued for a client before it counts as too slow and is disconnected. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Largest message served; a bigger one gets a JSON-RPC error and the session stays open. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * MCP over one WebSocket (subprotocol `mcp`), the server side of the SDK's
 * WebSocketClientTransport: one JSON-RPC message per text frame. A malformed frame is answered
 * with a JSON-RPC parse error and the session stays open. A client that stops reading is
 * disconnected once MAX_BUFFERED_BYTES are queued, so no buffer grows without bound. A 2025
 * client's requests before `initialize` are refused, as Streamable HTTP refuses them; a 2026-07-28
 * message carries its protocol revision in its `_meta` and needs no handshake.
 */
export class WebSocketServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  sessionId?: string;
  private initializeSeen = false;

  constructor(private readonly socket: WebSocket) {}

  async start(): Promise<void> {
    this.socket.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    this.socket.on('close', () => this.onclose?.());
    this.socket.on('error', (error) => this.onerror?.(error));
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (data.length > MAX_MESSAGE_BYTES) {
      this.reply({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message: `Invalid Request: message of ${data.length} bytes exceeds the limit of ${MAX_MESSAGE_BYTES}`,
        },
      });
      return;
    }
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary frames are not JSON-RPC');
      parsed = JSON.parse(data.toString('utf8'));
    } catch (error) {
      this.reply({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: `Parse error: ${(error as Error).message}` },
      });
      return;
    }
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(parsed);
    } catch {
      const id = (parsed as { id?: unknown })?.id;
      this.reply({
        jsonrpc: '2.0',
        id: typeof id === 'string' || typeof id === 'number' ? id : null,
        error: { code: -32600, message: 'Invalid Request: not a JSON-RPC 2.0 message' },
      });
      return;
    }
    if (!this.initializeSeen && !carriesEnvelope(message)) {
      const method = 'method' in message ? message.method : undefined;
      if (method === 'initialize') this.initializeSeen = true;
      else if (method !== 'ping') {
        // As on Streamable HTTP: nothing but initialize (and ping) before initialize.
        if ('id' in message && method !== undefined)
          this.reply({
            jsonrpc: '2.0',
            id: message.id,
            error: { code: -32000, message: 'Bad Request: Server not initialized; send initialize first' },
          });
        return;
      }
    }
    this.onmessage?.(message);
  }

  private reply(message: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.socket.readyState !== this.socket.OPEN) throw new Error('WebSocket is not open');
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.socket.close(1013, 'client too slow: send buffer full');
      throw new Error('client too slow: send buffer full');
    }
    await new Promise<void>((resolve, reject) =>
      this.socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve())),
    );
  }

  async close(): Promise<void> {
    this.socket.close(1000);
  }
}

/** Whether a message claims a 2026-07-28-era revision in its per-request `_meta` envelope. */
function carriesEnvelope(message: JSONRPCMessage): boolean {
  const meta =
    'params' in message
      ? (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta
      : undefined;
  return typeof meta?.[PROTOCOL_VERSION_META_KEY] === 'string';
}
