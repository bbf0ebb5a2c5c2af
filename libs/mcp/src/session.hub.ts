import { Injectable } from '@nestjs/common';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { Principal } from '@quarry/core';
import { RedisBus } from '@quarry/redis';

/** Where `publish` announces an MCP change event to every instance's listeners. */
export const MCP_EVENTS_CHANNEL = 'quarry:mcp-events';

/** What the hub needs of one MCP connection (a 2025 session, a stdio or WebSocket connection). */
export interface SessionHandle {
  id: string;
  principal: Principal;
  /** Whether updates of this resource are sent to the connection. */
  follows(uri: string): boolean;
  toolsChanged(): void;
  promptsChanged(): void;
  resourcesChanged(): void;
  resourceUpdated(uri: string): void;
}

/**
 * Where MCP change events reach this instance's clients, whatever their revision: the
 * connections held here (2025 sessions, stdio and WebSocket connections of either era), and the
 * SDK's listen router that serves 2026-07-28 `subscriptions/listen` streams over HTTP (as its
 * ServerEventBus). Every event comes
 * from Redis pub/sub — registry and document changes announced by any instance (RegistrySync),
 * or events `publish`ed by any instance — so a listener here hears what happened anywhere.
 */
@Injectable()
export class SessionHub implements ServerEventBus {
  private readonly sessions = new Map<string, SessionHandle>();
  private readonly listeners = new Set<(event: ServerEvent) => void>();

  constructor(private readonly bus: RedisBus) {}

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

  /** ServerEventBus: the event goes to every instance (this one included) through Redis. */
  publish(event: ServerEvent): void {
    this.bus.publish(MCP_EVENTS_CHANNEL, event).catch(() => undefined);
  }

  /** ServerEventBus: a listen router of this instance registers here. */
  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Delivers an event that reached this instance to its own sessions and listen streams. */
  deliver(event: ServerEvent): void {
    for (const s of this.sessions.values()) {
      if (event.kind === 'tools_list_changed') s.toolsChanged();
      else if (event.kind === 'prompts_list_changed') s.promptsChanged();
      else if (event.kind === 'resources_list_changed') s.resourcesChanged();
      else if (s.follows(event.uri)) s.resourceUpdated(event.uri);
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One broken stream must not keep the event from the others.
      }
    }
  }

  toolsChanged(): void {
    this.deliver({ kind: 'tools_list_changed' });
  }

  promptsChanged(): void {
    this.deliver({ kind: 'prompts_list_changed' });
  }

  /** Tells every session and listener that follows one of the URIs that it changed. */
  resourcesUpdated(uris: string[]): void {
    for (const uri of new Set(uris)) this.deliver({ kind: 'resource_updated', uri });
  }

  resourceListChanged(): void {
    this.deliver({ kind: 'resources_list_changed' });
  }
}
