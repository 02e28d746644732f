import { useSyncExternalStore } from 'react';
import type { ChatState } from './chat-state';
import type { ChatStore } from './chat-store';

export function useChat(store: ChatStore): ChatState {
  return useSyncExternalStore(store.subscribe, store.snapshot);
}
