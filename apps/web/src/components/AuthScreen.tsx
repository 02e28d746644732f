import {
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type InputHTMLAttributes,
} from 'react';
import type { ApiClient } from '../api';
import { ApiError, describeError } from '../api-error';
import {
  signupProblems,
  signupRefusal,
  type FieldErrors,
  type SignupField,
} from '../account-rules';

type Mode = 'login' | 'signup';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Login and signup. A signup is checked here against API.md's rules first, and what is
 * wrong shows under its field; a signup answered 202 (saga still running) is logged in
 * once active.
 */
export function AuthScreen({ api }: { api: ApiClient }) {
  const [mode, setMode] = useState<Mode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [staySignedIn, setStaySignedIn] = useState(true);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [ended] = useState(() => api.ended);
  const form = useRef<HTMLFormElement>(null);
  /** Counts the submits refused for a field (here or by the server). */
  const [refused, setRefused] = useState(0);

  // The keyboard goes to the first field that is wrong, where its problem is read out
  // with it, rather than staying on the button.
  useEffect(() => {
    if (refused > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refused]);

  async function logIn(attempts: number) {
    // 403 while the account is still pending: its saga finishes within seconds.
    for (let attempt = 1; ; attempt++) {
      try {
        await api.login(username, password, staySignedIn);
        return;
      } catch (loginError) {
        if (!(loginError instanceof ApiError && loginError.status === 403) || attempt >= attempts)
          throw loginError;
        await sleep(1_000);
      }
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (mode === 'signup') {
      const problems = signupProblems({ username, password, displayName });
      setFieldErrors(problems);
      if (Object.keys(problems).length > 0) {
        setRefused((count) => count + 1);
        return;
      }
    }
    setBusy(true);
    try {
      if (mode === 'signup') {
        try {
          await api.signup(username, password, displayName);
        } catch (signupError) {
          if (!(signupError instanceof ApiError)) throw signupError;
          const refusal = signupRefusal(signupError);
          if (refusal.field === 'form') setError(refusal.text);
          else {
            setFieldErrors({ [refusal.field]: refusal.text });
            setRefused((count) => count + 1);
          }
          setBusy(false);
          return;
        }
        await logIn(10);
      } else {
        await logIn(1);
      }
    } catch (caught) {
      setError(loginProblem(caught));
      setBusy(false);
    }
  }

  const signup = mode === 'signup';
  const field = (name: SignupField) => (signup ? fieldErrors[name] : undefined);
  return (
    <main className="auth">
      <form
        ref={form}
        className="card auth-card"
        onSubmit={(event) => void submit(event)}
        noValidate
      >
        <h1 className="brand">
          <span aria-hidden="true" className="logo">
            ●
          </span>{' '}
          scale-chat
        </h1>
        {ended === 'deleted' && (
          <p className="notice" role="status" data-testid="account-deleted">
            Your account is being deleted. You have been logged out everywhere.
          </p>
        )}
        {ended === 'elsewhere' && (
          <p className="notice" role="status" data-testid="session-ended">
            Your login has ended: it expired, or it was ended elsewhere (a logout in another tab or
            on another device, or the account deleted). Log in again to go on.
          </p>
        )}
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
                setFieldErrors({});
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
          value={username}
          onChange={setUsername}
          hint={signup ? '3–32 characters: letters a–z, digits, _ . -' : undefined}
          error={field('username')}
          autoFocus
        />
        {signup && (
          <Field
            label="Display name (optional)"
            name="displayName"
            autoComplete="nickname"
            value={displayName}
            onChange={setDisplayName}
            hint="How others see you; any language. Up to 64 characters."
            error={field('displayName')}
          />
        )}
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete={signup ? 'new-password' : 'current-password'}
          value={password}
          onChange={setPassword}
          hint={signup ? 'At least 8 characters.' : undefined}
          error={field('password')}
        />
        <label className="check">
          <input
            type="checkbox"
            name="staySignedIn"
            checked={staySignedIn}
            onChange={(event) => setStaySignedIn(event.target.checked)}
          />
          <span>Stay signed in on this device</span>
        </label>
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

/** A refused login in words: API.md's 401 (either field wrong) and 403 (not active). */
function loginProblem(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return 'Wrong username or password.';
  if (error instanceof ApiError && error.status === 403)
    return 'This account is not active yet, or no longer. Please try again in a moment.';
  return describeError(error);
}

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string | undefined;
  error?: string | undefined;
};

/** A labelled input with its hint and its problem, both read out with it. */
function Field({ label, onChange, hint, error, ...input }: FieldProps) {
  const id = useId();
  const described = [
    hint === undefined ? '' : `${id}-hint`,
    error === undefined ? '' : `${id}-error`,
  ]
    .filter((part) => part !== '')
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        {...input}
        id={id}
        aria-invalid={error !== undefined}
        aria-describedby={described === '' ? undefined : described}
        onChange={(event) => onChange(event.target.value)}
      />
      {hint !== undefined && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error !== undefined && (
        <span className="error small" id={`${id}-error`} data-testid={`${input.name}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}
