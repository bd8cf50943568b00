import type { Rating, UserSettings } from '../api/types';
import { messageOf, type StoreContext } from './chat-state';

/** Model choice, instructions and feedback: the open conversation's settings and the user's own. */
export class ChatFeatures {
  constructor(private readonly _ctx: StoreContext) {}

  /** Loads the models the deployment offers; without them the page simply offers no choice. */
  async loadModels(): Promise<void> {
    try {
      const list = await this._ctx.options.api.listModels();
      this._ctx.set({ models: list.items });
    } catch (error) {
      this._ctx.handleUnauthorized(error);
    }
  }

  /** Chooses the model for the open conversation (stored with it), or for the next new chat. */
  async chooseModel(model: string): Promise<void> {
    const ctx = this._ctx;
    const id = ctx.state.currentId;
    const previous = ctx.state.currentModel;
    ctx.set({ currentModel: model });
    if (!id) {
      return;
    }
    try {
      const updated = await ctx.options.api.updateConversation(id, { model });
      if (ctx.state.currentId === id) {
        ctx.set({ currentModel: updated.model ?? null });
      }
    } catch (error) {
      if (!ctx.handleUnauthorized(error)) {
        ctx.set({ currentModel: previous, notice: `Couldn't change the model. ${messageOf(error)}` });
      }
    }
  }

  /** Sets the open conversation's instructions; empty goes back to the default. */
  async setInstructions(text: string): Promise<boolean> {
    const ctx = this._ctx;
    const id = ctx.state.currentId;
    if (!id) {
      return false;
    }
    try {
      const updated = await ctx.options.api.updateConversation(id, { instructions: text.trim() });
      if (ctx.state.currentId === id) {
        ctx.set({ currentInstructions: updated.instructions ?? null });
      }
      return true;
    } catch (error) {
      if (!ctx.handleUnauthorized(error)) {
        ctx.set({ notice: `Couldn't save the instructions. ${messageOf(error)}` });
      }
      return false;
    }
  }

  /** Rates an answer of the open conversation; a null rating clears it. */
  async setFeedback(messageId: string, rating: Rating | null, comment?: string): Promise<void> {
    const ctx = this._ctx;
    const id = ctx.state.currentId;
    if (!id) {
      return;
    }
    try {
      const updated = await ctx.options.api.setFeedback(id, messageId, rating, comment);
      if (ctx.state.currentId === id) {
        ctx.set({ messages: ctx.state.messages.map((m) => (m.id === messageId ? { ...m, feedback: updated.feedback ?? null } : m)) });
      }
    } catch (error) {
      if (!ctx.handleUnauthorized(error)) {
        ctx.set({ notice: `Couldn't save the feedback. ${messageOf(error)}` });
      }
    }
  }

  loadSettings(): Promise<UserSettings> {
    return this._ctx.options.api.getSettings();
  }

  async saveSettings(settings: UserSettings): Promise<boolean> {
    try {
      await this._ctx.options.api.saveSettings(settings);
      return true;
    } catch (error) {
      if (!this._ctx.handleUnauthorized(error)) {
        this._ctx.set({ notice: `Couldn't save your instructions. ${messageOf(error)}` });
      }
      return false;
    }
  }
}
