/** Stands in for the browser's EventSource in tests: the test sends events by name, a sandbox's events as the hub names them, or fails the stream. */
import type { SandboxEvent } from '../api/types';

export class FakeEventSource {
  static CLOSED = 2;
  /** The stream opened last. */
  static last: FakeEventSource | null = null;
  readonly url: string;
  readyState = 1;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, (message: MessageEvent<string>) => void>();

  constructor(url: string) {
    this.url = url;
    FakeEventSource.last = this;
  }
  addEventListener(name: string, listener: (message: MessageEvent<string>) => void) {
    this.listeners.set(name, listener);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  /** Delivers `data` as JSON in an event named `name`. */
  emit(name: string, data: unknown) {
    this.listeners.get(name)?.(new MessageEvent(name, { data: JSON.stringify(data) }));
  }
  /** Delivers a sandbox's event under its state's name, as the hub's stream does. */
  emitEvent(event: SandboxEvent) {
    this.emit(event.state, event);
  }
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
}
