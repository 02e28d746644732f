import { useState, type FormEvent, type InputHTMLAttributes } from 'react';
import { ApiError, type ApiClient } from '../api';

type Mode = 'login' | 'signup';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Login and signup. A signup answered 202 (saga still running) is logged in once active. */
export function AuthScreen({ api }: { api: ApiClient }) {
  const [mode, setMode] = useState<Mode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'signup') {
        await api.signup(username, password, displayName);
        // 403 while the account is still pending: its saga finishes within seconds.
        for (let attempt = 1; ; attempt++) {
          try {
            await api.login(username, password);
            break;
          } catch (loginError) {
            if (!(loginError instanceof ApiError && loginError.status === 403) || attempt >= 10)
              throw loginError;
            await sleep(1_000);
          }
        }
      } else {
        await api.login(username, password);
      }
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  }

  const signup = mode === 'signup';
  return (
    <main className="auth">
      <form className="card auth-card" onSubmit={(event) => void submit(event)} noValidate>
        <h1 className="brand">
          <span aria-hidden="true" className="logo">
            ●
          </span>{' '}
          scale-chat
        </h1>
        <div className="tabs" role="tablist" aria-label="Account">
          {(['login', 'signup'] as const).map((tab) => (
            <button
              key={tab}
              type="button"
              role="tab"
              aria-selected={mode === tab}
              className={mode === tab ? 'tab active' : 'tab'}
              onClick={() => {
                setMode(tab);
                setError(null);
              }}
            >
              {tab === 'login' ? 'Log in' : 'Sign up'}
            </button>
          ))}
        </div>
        <Field
          label="Username"
          name="username"
          autoComplete="username"
          minLength={3}
          maxLength={32}
          value={username}
          onChange={setUsername}
          autoFocus
        />
        {signup && (
          <Field
            label="Display name (optional)"
            name="displayName"
            autoComplete="nickname"
            maxLength={64}
            value={displayName}
            onChange={setDisplayName}
          />
        )}
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete={signup ? 'new-password' : 'current-password'}
          minLength={8}
          maxLength={128}
          value={password}
          onChange={setPassword}
        />
        {signup && (
          <p className="hint">3–32 characters a–z, 0–9, _ . - ; a password of at least 8.</p>
        )}
        {error !== null && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button className="primary" type="submit" disabled={busy}>
          {busy ? 'Please wait…' : signup ? 'Create account' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
};

function Field({ label, onChange, ...input }: FieldProps) {
  return (
    <label className="field">
      <span>{label}</span>
      <input {...input} onChange={(event) => onChange(event.target.value)} />
    </label>
  );
}
