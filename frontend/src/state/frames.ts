/**
 * A state object and its subscribers. Every change makes a new state object; {@link StateCell.replace} with `batched` tells
 * subscribers at the next animation frame instead, because tokens arrive faster than frames.
 */
export class StateCell<T> {
  private readonly _listeners = new Set<() => void>();
  private _frame: FrameHandle | null = null;

  constructor(private _state: T) {}

  get state(): T {
    return this._state;
  }

  subscribe(listener: () => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  set(patch: Partial<T>): void {
    this.replace({ ...this._state, ...patch });
  }

  replace(next: T, batched = false): void {
    this._state = next;
    if (batched) {
      this._emitSoon();
    } else {
      this._emit();
    }
  }

  private _emit(): void {
    if (this._frame !== null) {
      cancelFrame(this._frame);
      this._frame = null;
    }
    for (const listener of this._listeners) {
      listener();
    }
  }

  private _emitSoon(): void {
    if (this._frame === null) {
      this._frame = requestFrame(() => {
        this._frame = null;
        this._emit();
      });
    }
  }
}

// Background tabs get no animation frames; a timer keeps a streaming answer current there too.
type FrameHandle = { raf: number } | { timer: ReturnType<typeof setTimeout> };

function requestFrame(callback: () => void): FrameHandle {
  return typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible'
    ? { raf: requestAnimationFrame(callback) }
    : { timer: setTimeout(callback, 50) };
}

function cancelFrame(handle: FrameHandle): void {
  if ('raf' in handle) {
    cancelAnimationFrame(handle.raf);
  } else {
    clearTimeout(handle.timer);
  }
}
