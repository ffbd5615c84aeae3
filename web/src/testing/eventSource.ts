/** Stands in for the browser's EventSource in tests: the test sends a sandbox's events by name, or fails the stream. */
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
  emit(event: SandboxEvent) {
    this.listeners.get(event.state)?.(new MessageEvent(event.state, { data: JSON.stringify(event) }));
  }
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
}
