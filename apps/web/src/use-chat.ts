import { useSyncExternalStore } from 'react';
import type { ChatState, ChatStore } from './chat-store';

export function useChat(store: ChatStore): ChatState {
  return useSyncExternalStore(store.subscribe, store.snapshot);
}
