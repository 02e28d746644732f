import { useCallback, useEffect, useState } from 'react';
import { ApiClient, type Resumed } from './api';
import { AdminPage } from './components/AdminPage';
import { AuthScreen } from './components/AuthScreen';
import { ChatScreen } from './components/ChatScreen';
import { putListUnderRoom } from './navigation';
import { scrollPlaces } from './scroll-places';
import { routeOf, type Route } from './settings';
import { keptSends } from './send-queue';
import { unsentEdits, unsentReplies, unsentText } from './unsent-text';
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
    const unsubscribe = api.onSessionChange((next) => {
      // However the session ended (logged out here or in another tab, the login refused):
      // what the tab kept for the user goes with it: what was typed and not sent, the
      // replies it was to be, edits not saved, and where each room was left scrolled to.
      if (next === null) {
        unsentText.forget();
        unsentReplies.forget();
        unsentEdits.forget();
        keptSends.forget();
        scrollPlaces.forget();
      }
      setUser(next);
    });
    resume();
    const onHash = () => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => {
      unsubscribe();
      window.removeEventListener('hashchange', onHash);
    };
  }, [resume]);

  // A login kept while the server could not be reached: tried again, without a flash of
  // "Loading…", when the network is back and every 10 s (the server may have been down).
  useEffect(() => {
    if (resumed !== 'unreachable') return;
    const retry = () =>
      void api.resume().then((outcome) => {
        if (outcome !== 'unreachable') setResumed(outcome);
      });
    const timer = setInterval(retry, 10_000);
    window.addEventListener('online', retry);
    return () => {
      clearInterval(timer);
      window.removeEventListener('online', retry);
    };
  }, [resumed]);

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
          <p>
            {navigator.onLine
              ? "The server can't be reached right now, so your session can't be resumed yet."
              : "You're offline, so your session can't be resumed yet."}{' '}
            It is tried again as soon as the connection is back.
          </p>
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
