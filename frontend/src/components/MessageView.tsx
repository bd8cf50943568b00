import { useState } from 'preact/hooks';
import type { Rating } from '../api/types';
import type { UiMessage } from '../state/chat-store';
import { useCopy } from './hooks';
import { CheckIcon, CopyIcon, PencilIcon, RefreshIcon, ThumbDownIcon, ThumbUpIcon } from './Icons';
import { Markdown } from './Markdown';

interface MessageViewProps {
  message: UiMessage;
  /** Offer "Regenerate" (only on the last answer, when nothing is streaming). */
  onRegenerate?: (() => void) | undefined;
  /** Offer "Continue" (only on the last answer, when it was cut off). */
  onContinue?: (() => void) | undefined;
  /** Offer "Edit" (only on the last question, when nothing is streaming). */
  onEdit?: ((content: string) => void) | undefined;
  /** Offer thumbs up/down with a comment (answers that are stored). */
  onFeedback?: ((rating: Rating | null, comment?: string) => void) | undefined;
  /** The display name of the model that wrote the answer. */
  modelName?: string | undefined;
}

export function MessageView({ message, onRegenerate, onContinue, onEdit, onFeedback, modelName }: MessageViewProps) {
  const [copied, copy] = useCopy();
  const [editing, setEditing] = useState<string | null>(null);
  const [commenting, setCommenting] = useState<{ rating: Rating; text: string } | null>(null);
  const isUser = message.role === 'user';
  const streaming = message.status === 'streaming';
  const rating = message.feedback?.rating ?? null;
  const rate = (value: Rating) => {
    if (rating === value) {
      onFeedback?.(null);
      setCommenting(null);
    } else {
      onFeedback?.(value);
      setCommenting({ rating: value, text: '' });
    }
  };

  if (editing !== null) {
    return (
      <form
        class="message message-user edit-form"
        data-testid="edit-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (editing.trim()) {
            onEdit?.(editing.trim());
            setEditing(null);
          }
        }}
      >
        <textarea
          class="edit-input"
          data-testid="edit-input"
          aria-label="Edit your question"
          value={editing}
          onInput={(e) => setEditing(e.currentTarget.value)}
        />
        <div class="dialog-actions">
          <button type="button" class="button secondary small" onClick={() => setEditing(null)}>
            Cancel
          </button>
          <button type="submit" class="button small" data-testid="edit-send">
            Send
          </button>
        </div>
      </form>
    );
  }

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
      {!isUser && message.finishReason === 'length' && !streaming ? (
        <p class="flag flag-cut" data-testid="cut-off">
          The answer was cut off.
          {onContinue ? (
            <button type="button" class="button secondary small" data-testid="continue" onClick={onContinue}>
              Continue
            </button>
          ) : null}
        </p>
      ) : null}
      {message.status === 'failed' ? (
        <p class="flag flag-failed" data-testid="message-flag">
          {message.note ? `Failed: ${message.note}` : 'The answer failed before it finished.'}
        </p>
      ) : null}

      {!streaming && message.status !== 'pending' && (message.content || onRegenerate) ? (
        <div class="message-actions">
          {!isUser && modelName ? (
            // Shown by CSS from data-model, so the answer's own text stays just the answer (copy, tests, screen readers' text).
            <span class="message-model muted" data-testid="message-model" data-model={modelName} title={`Written by ${modelName}`} />
          ) : null}
          {onEdit ? (
            <button
              type="button"
              class="icon-button small"
              aria-label="Edit question"
              title="Edit question"
              data-testid="edit-message"
              onClick={() => setEditing(message.content)}
            >
              <PencilIcon size={16} />
            </button>
          ) : null}
          {onFeedback ? (
            <>
              <button
                type="button"
                class={`icon-button small${rating === 'up' ? ' active' : ''}`}
                aria-label="Good answer"
                aria-pressed={rating === 'up' ? 'true' : 'false'}
                data-testid="thumbs-up"
                onClick={() => rate('up')}
              >
                <ThumbUpIcon size={16} />
              </button>
              <button
                type="button"
                class={`icon-button small${rating === 'down' ? ' active' : ''}`}
                aria-label="Bad answer"
                aria-pressed={rating === 'down' ? 'true' : 'false'}
                data-testid="thumbs-down"
                onClick={() => rate('down')}
              >
                <ThumbDownIcon size={16} />
              </button>
            </>
          ) : null}
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
      {commenting && onFeedback ? (
        <form
          class="feedback-form"
          data-testid="feedback-form"
          onSubmit={(e) => {
            e.preventDefault();
            onFeedback(commenting.rating, commenting.text.trim() || undefined);
            setCommenting(null);
          }}
        >
          <input
            class="feedback-comment"
            data-testid="feedback-comment"
            aria-label="Tell us more (optional)"
            placeholder="Tell us more (optional)"
            maxLength={2000}
            value={commenting.text}
            onInput={(e) => setCommenting({ ...commenting, text: e.currentTarget.value })}
          />
          <button type="submit" class="button small" data-testid="feedback-save">
            Save
          </button>
        </form>
      ) : null}
      {message.feedback?.comment ? (
        <p class="muted feedback-note" data-testid="feedback-note">
          Your comment: {message.feedback.comment}
        </p>
      ) : null}
    </article>
  );
}
