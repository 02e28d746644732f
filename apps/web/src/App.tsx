import { useCallback, useEffect, useState } from 'react';
import { OFFLINE_TEXT } from './api-error';
import { ApiClient, type Resumed } from './api';
import { AdminPage } from './components/AdminPage';
import { AuthScreen } from './components/AuthScreen';
import { ChatScreen } from './components/ChatScreen';
import { putListUnderRoom } from './navigation';
import { routeOf, type Route } from './settings';
import type { User } from './validate';

/** One client per page: it holds the session (see token-storage.ts for where tokens live). */
const api = new ApiClient();

export function App() {
  const [user, setUser] = useState<User | null>(api.user);
  const [resumed, setResumed] = useState<Resumed | 'resuming'>('resuming');
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.hash));

  const resume = useCallback(() => {
    setResumed('resuming');
    void api.resume().then(setResumed);
  }, []);

  useEffect(() => {
    putListUnderRoom();
    const unsubscribe = api.onSessionChange(setUser);
    resume();
    const onHash = () => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => {
      unsubscribe();
      window.removeEventListener('hashchange', onHash);
    };
  }, [resume]);

  // A login kept while the server could not be reached: tried again when the network is back.
  useEffect(() => {
    if (resumed !== 'unreachable') return;
    window.addEventListener('online', resume);
    return () => window.removeEventListener('online', resume);
  }, [resumed, resume]);

  if (resumed === 'resuming')
    return (
      <main className="center" aria-busy="true">
        <p className="muted">Loading…</p>
      </main>
    );
  if (user === null && resumed === 'unreachable')
    return (
      <main className="center">
        <div className="card error-state" role="alert" data-testid="offline-start">
          <p>{OFFLINE_TEXT}</p>
          <button type="button" className="primary" onClick={resume}>
            Try again
          </button>
        </div>
      </main>
    );
  if (user === null) return <AuthScreen api={api} />;
  if (route.page === 'admin') return <AdminPage api={api} user={user} />;
  return <ChatScreen api={api} user={user} roomId={route.roomId} />;
}
