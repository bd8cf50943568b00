import type { UiMessage } from '../state/chat-store';
import { useCopy } from './hooks';
import { CheckIcon, CopyIcon, RefreshIcon } from './Icons';
import { Markdown } from './Markdown';

interface MessageViewProps {
  message: UiMessage;
  /** Offer "Regenerate" (only on the last answer, when nothing is streaming). */
  onRegenerate?: (() => void) | undefined;
}

export function MessageView({ message, onRegenerate }: MessageViewProps) {
  const [copied, copy] = useCopy();
  const isUser = message.role === 'user';
  const streaming = message.status === 'streaming';

  return (
    <article
      class={`message message-${message.role} status-${message.status}`}
      data-testid={isUser ? 'user-message' : 'assistant-message'}
      data-role={message.role}
      data-status={message.status}
      data-message-id={message.id}
      aria-label={isUser ? 'You' : 'ChatBot'}
    >
      {isUser ? (
        <div class="bubble user-text">{message.content}</div>
      ) : (
        <div class="assistant-body" aria-live={streaming ? 'polite' : undefined} aria-busy={streaming ? 'true' : undefined}>
          {message.content ? <Markdown source={message.content} /> : null}
          {streaming && !message.content ? (
            <span class="typing" role="img" aria-label="ChatBot is thinking">
              <span />
              <span />
              <span />
            </span>
          ) : null}
          {streaming && message.content ? <span class="cursor" aria-hidden="true" /> : null}
        </div>
      )}

      {message.status === 'stopped' ? (
        <p class="flag flag-stopped" data-testid="message-flag">
          Stopped
        </p>
      ) : null}
      {message.status === 'failed' ? (
        <p class="flag flag-failed" data-testid="message-flag">
          {message.note ? `Failed: ${message.note}` : 'The answer failed before it finished.'}
        </p>
      ) : null}

      {!streaming && message.status !== 'pending' && (message.content || onRegenerate) ? (
        <div class="message-actions">
          {message.content ? (
            <button
              type="button"
              class="icon-button small"
              aria-label={copied ? 'Copied' : 'Copy'}
              title="Copy message"
              data-testid="copy-message"
              onClick={() => copy(message.content)}
            >
              {copied ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
            </button>
          ) : null}
          {onRegenerate ? (
            <button
              type="button"
              class="icon-button small"
              aria-label="Regenerate answer"
              title="Regenerate answer"
              data-testid="regenerate"
              onClick={onRegenerate}
            >
              <RefreshIcon size={16} />
            </button>
          ) : null}
        </div>
      ) : null}
    </article>
  );
}
