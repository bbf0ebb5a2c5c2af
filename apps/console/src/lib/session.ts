import { writable } from 'svelte/store';
import { apiKey, gql, GraphqlError, setApiKey } from './api';
import type { ViewerQuery } from './graphql.generated';
import { VIEWER } from './operations';
import {
  finishSignIn,
  forgetOAuthToken,
  oauthToken,
  signInSettings,
  startSignIn,
  type SignInSettings,
} from './oauth';

/** The caller as Query.viewer tells it; `role` is one of the three the server documents. */
export type Viewer = Omit<ViewerQuery['viewer'], 'role'> & { role: 'reader' | 'writer' | 'admin' };

export type SessionState =
  | { status: 'loading' }
  | { status: 'ready'; viewer: Viewer; keyed: boolean; signedIn: boolean }
  | { status: 'needs-key'; reason?: string; rejected: boolean; provider: SignInSettings | null }
  | { status: 'error'; message: string };

export const session = writable<SessionState>({ status: 'loading' });

const RANK = { reader: 0, writer: 1, admin: 2 } as const;

export function allows(state: SessionState, role: Viewer['role']): boolean {
  return state.status === 'ready' && RANK[state.viewer.role] >= RANK[role];
}

let provider: SignInSettings | null = null;

/** First load: learns whether Quarry signs users in with a provider, and completes a sign-in in progress. */
export async function startSession(): Promise<void> {
  try {
    provider = await signInSettings();
    await finishSignIn(provider);
  } catch (error) {
    session.set({ status: 'error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  await refreshSession();
}

/** Who am I? On loopback without keys Quarry answers "local admin"; with keys it needs one. */
export async function refreshSession(): Promise<void> {
  try {
    const data = await gql<{ viewer: Viewer }>(VIEWER);
    session.set({
      status: 'ready',
      viewer: data.viewer,
      keyed: oauthToken() === null && apiKey() !== null,
      signedIn: oauthToken() !== null,
    });
  } catch (error) {
    if (error instanceof GraphqlError && (error.code === 'UNAUTHENTICATED' || error.status === 401)) {
      session.set({ status: 'needs-key', reason: error.message, rejected: apiKey() !== null, provider });
    } else {
      session.set({ status: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }
}

export async function signIn(key: string): Promise<void> {
  setApiKey(key.trim());
  await refreshSession();
}

export async function signOut(): Promise<void> {
  forgetOAuthToken();
  setApiKey(null);
  await refreshSession();
}

/** Leaves for the identity provider's sign-in page; back at `/` with a code. */
export async function signInWithProvider(settings: SignInSettings): Promise<void> {
  try {
    await startSignIn(settings);
  } catch (error) {
    session.set({ status: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}
