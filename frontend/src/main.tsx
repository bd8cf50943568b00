import { render } from 'preact';
import { ApiClient } from './api/client';
import { LocalAuth } from './auth/local';
import type { Auth } from './auth/types';
import { App } from './components/App';
import { FatalScreen, SignedOutScreen } from './components/Screens';
import { loadConfig } from './config';
import { ChatStore } from './state/chat-store';
import './styles.css';

const root = document.getElementById('app')!;

async function start(): Promise<void> {
  const config = await loadConfig();

  let auth: Auth;
  if (config.mode === 'local') {
    auth = new LocalAuth(config.userIds);
  } else {
    // Only deployed mode pays for the OIDC client.
    const { startCognito } = await import('./auth/cognito');
    const result = await startCognito(config);
    if (result.kind === 'redirecting') {
      return;
    }
    if (result.kind === 'signed-out') {
      render(<SignedOutScreen onSignIn={() => void result.signIn()} />, root);
      return;
    }
    auth = result.auth;
    if (result.returnTo) {
      history.replaceState(null, '', result.returnTo);
    }
  }

  const api = new ApiClient(config.apiBasePath, auth);
  const store: ChatStore = new ChatStore({
    api,
    maxMessageBytes: config.maxMessageBytes,
    navigate: (hash) => {
      if (location.hash !== hash) {
        location.hash = hash;
      }
    },
    onUnauthorized: () => {
      // Unsent text is already in a sessionStorage draft; it is back in the box after signing in.
      auth.signIn(location.hash).catch((error: unknown) => {
        store.showNotice(error instanceof Error ? error.message : String(error));
      });
    },
  });
  render(<App store={store} auth={auth} />, root);
}

function run(): void {
  start().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    render(<FatalScreen message={message} onRetry={() => location.reload()} />, root);
  });
}

run();
