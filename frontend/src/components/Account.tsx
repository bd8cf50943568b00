import { useState } from 'preact/hooks';
import type { UserIdRule } from '../config';

/**
 * Local mode: a "local" badge and the development user, which the server takes from the X-ChatBot-User header.
 * Names are checked with the server's own rule (from config.json), so a name accepted here is accepted by the API.
 */
export function LocalAccount({ user, rule, onSwitch }: { user: string; rule: UserIdRule; onSwitch: (user: string) => void }) {
  const [value, setValue] = useState(user);
  const [invalid, setInvalid] = useState(false);

  return (
    <form
      class="account local-account"
      data-testid="user-switcher-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!rule.pattern.test(value.trim())) {
          setInvalid(true);
          return;
        }
        setInvalid(false);
        if (value.trim() !== user) {
          onSwitch(value.trim());
        }
      }}
    >
      <div class="account-row">
        <span class="badge" data-testid="local-badge" title="Running locally: no sign-in">
          local
        </span>
        <label for="dev-user" class="account-label">
          Development user
        </label>
      </div>
      <div class="account-row">
        <input
          id="dev-user"
          class="dev-user-input"
          data-testid="user-switcher"
          value={value}
          autocomplete="off"
          spellcheck={false}
          aria-invalid={invalid ? 'true' : undefined}
          aria-describedby={invalid ? 'dev-user-error' : undefined}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <button type="submit" class="button secondary small" data-testid="switch-user">
          Switch
        </button>
      </div>
      {invalid ? (
        <p id="dev-user-error" class="field-error">
          Use {rule.description}.
        </p>
      ) : null}
      <UsageLink />
    </form>
  );
}

export function SignedInAccount({ user, onSignOut }: { user: string; onSignOut: () => void }) {
  return (
    <div class="account">
      <div class="account-row">
        <span class="avatar" aria-hidden="true">
          {(user.trim()[0] ?? '?').toUpperCase()}
        </span>
        <span class="account-name" data-testid="signed-in-user" title={user}>
          {user}
        </span>
        <button type="button" class="button secondary small" data-testid="sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </div>
      <UsageLink />
    </div>
  );
}

/** The account page: the user's usage and limits. */
function UsageLink() {
  return (
    <a class="usage-link" href="#/account" data-testid="usage-link">
      Your usage and limits
    </a>
  );
}
