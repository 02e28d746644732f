import { useEffect, useState } from 'react';
import { ApiClient } from './api';
import { AdminPage } from './components/AdminPage';
import { AuthScreen } from './components/AuthScreen';
import { ChatScreen } from './components/ChatScreen';
import { routeOf, type Route } from './settings';
import type { User } from './validate';

/** One client per page: it holds the session (see api.ts for where tokens live). */
const api = new ApiClient();

export function App() {
  const [user, setUser] = useState<User | null>(api.user);
  const [resuming, setResuming] = useState(true);
  const [route, setRoute] = useState<Route>(routeOf(window.location.hash));

  useEffect(() => {
    const unsubscribe = api.onSessionChange(setUser);
    void api.resume().finally(() => setResuming(false));
    const onHash = () => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => {
      unsubscribe();
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  if (resuming)
    return (
      <main className="center" aria-busy="true">
        <p className="muted">Loading…</p>
      </main>
    );
  if (user === null) return <AuthScreen api={api} />;
  if (route === 'admin') return <AdminPage api={api} user={user} />;
  return <ChatScreen api={api} user={user} />;
}
