import type { Principal } from './message-manager';

/** setTimeout's ceiling (about 24.8 days); a later expiry is checked again when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface OpenConnection {
  principal: Principal;
  close(reason: string): void;
  timer?: NodeJS.Timeout;
}

/**
 * Every long-lived connection of this instance (MCP WebSocket and HTTP sessions, graphql-ws
 * sockets) with the principal that opened it. Credentials are checked when a connection opens,
 * so this is how a revocation or a token's expiry reaches the connections already open.
 */
export class ConnectionRegistry {
  private readonly open = new Set<OpenConnection>();

  /** Tracks a connection until the returned function is called (when it closes). */
  track(principal: Principal, close: (reason: string) => void): () => void {
    const connection: OpenConnection = { principal, close };
    this.open.add(connection);
    if (principal.expiresAt !== undefined) this.closeAtExpiry(connection, principal.expiresAt);
    return () => this.forget(connection);
  }

  /** Closes every connection of the principal; returns how many there were. */
  closeFor(principalId: string, reason: string): number {
    let closed = 0;
    for (const connection of [...this.open]) {
      if (connection.principal.id !== principalId) continue;
      this.end(connection, reason);
      closed++;
    }
    return closed;
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(reason: string): void {
    for (const connection of [...this.open]) this.end(connection, reason);
  }

  private closeAtExpiry(connection: OpenConnection, expiresAt: number): void {
    const delay = expiresAt - Date.now();
    if (delay <= 0) return this.end(connection, 'the token has expired');
    connection.timer = setTimeout(
      () => this.closeAtExpiry(connection, expiresAt),
      Math.min(delay, MAX_TIMER_MS),
    );
    connection.timer.unref();
  }

  private end(connection: OpenConnection, reason: string): void {
    this.forget(connection);
    try {
      connection.close(reason);
    } catch {
      // Already closing: nothing left to end.
    }
  }

  private forget(connection: OpenConnection): void {
    clearTimeout(connection.timer);
    this.open.delete(connection);
  }
}
