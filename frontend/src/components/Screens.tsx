/** Whole-page states before the app can start: a fatal error, or signed out. */

export function FatalScreen({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <main class="screen" role="alert" data-testid="fatal-error">
      <div class="screen-card">
        <span class="brand-mark large" aria-hidden="true" />
        <h1>ChatBot can't start</h1>
        <p>{message}</p>
        <button type="button" class="button" onClick={onRetry}>
          Retry
        </button>
      </div>
    </main>
  );
}

export function SignedOutScreen({ onSignIn }: { onSignIn: () => void }) {
  return (
    <main class="screen" data-testid="signed-out">
      <div class="screen-card">
        <span class="brand-mark large" aria-hidden="true" />
        <h1>You are signed out</h1>
        <p>Sign in to see your conversations.</p>
        <button type="button" class="button" data-testid="sign-in" onClick={onSignIn}>
          Sign in
        </button>
      </div>
    </main>
  );
}
