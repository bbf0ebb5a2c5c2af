import type { Principal } from '@quarry/core';

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

export const LOG_LEVELS: LogLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** What the hub needs of one connected MCP session. */
export interface SessionHandle {
  id: string;
  principal: Principal;
  subscriptions: Set<string>;
  logLevel: LogLevel;
  toolsChanged(): void;
  promptsChanged(): void;
  resourcesChanged(): void;
  resourceUpdated(uri: string): void;
}

/**
 * The MCP sessions connected to this instance, whatever their transport. Changes announced on
 * Redis by any instance reach every session here through it.
 */
export class SessionHub {
  private readonly sessions = new Map<string, SessionHandle>();

  add(session: SessionHandle): void {
    this.sessions.set(session.id, session);
  }

  remove(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  countFor(principalId: string): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.principal.id === principalId) n++;
    return n;
  }

  toolsChanged(): void {
    for (const s of this.sessions.values()) s.toolsChanged();
  }

  promptsChanged(): void {
    for (const s of this.sessions.values()) s.promptsChanged();
  }

  /** Tells every session subscribed to one of the URIs that it changed. */
  resourcesUpdated(uris: string[]): void {
    for (const s of this.sessions.values()) {
      for (const uri of uris) if (s.subscriptions.has(uri)) s.resourceUpdated(uri);
    }
  }

  resourceListChanged(): void {
    for (const s of this.sessions.values()) s.resourcesChanged();
  }
}
