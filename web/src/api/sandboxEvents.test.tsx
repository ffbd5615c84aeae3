// @vitest-environment happy-dom
import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeQueryClient } from '../Providers';
import { FakeEventSource } from '../testing/fakeEventSource';
import { MockLaunchEventsRunning } from '../testing/mocks';
import { useSandboxEvents } from './sandboxEvents';

const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={makeQueryClient()}>{children}</QueryClientProvider>;

afterEach(() => vi.unstubAllGlobals());

describe('useSandboxEvents', () => {
  it('collects the events of a launch until it runs, then closes the stream', () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const { result } = renderHook(() => useSandboxEvents('sbx_a1'), { wrapper });
    const source = FakeEventSource.last!;
    expect(source.url).toBe('/api/sandboxes/sbx_a1/events');
    act(() => {
      for (const event of MockLaunchEventsRunning.slice(0, 3)) source.emit(event.state, event);
      // A reconnection may send an event again: it is shown once.
      source.emit(MockLaunchEventsRunning[2]!.state, MockLaunchEventsRunning[2]!);
    });
    expect(result.current.events.map((e) => e.state)).toEqual(['queued', 'creating', 'starting']);
    expect(result.current.finished).toBe(false);
    act(() => {
      for (const event of MockLaunchEventsRunning.slice(3)) source.emit(event.state, event);
    });
    expect(result.current.finished).toBe(true);
    expect(source.readyState).toBe(FakeEventSource.CLOSED);
  });

  it('says when the browser gives up on the stream', () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const { result } = renderHook(() => useSandboxEvents('sbx_a1'), { wrapper });
    act(() => FakeEventSource.last!.fail());
    expect(result.current.lost).toBe(true);
  });

  it('follows nothing without a sandbox', () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    FakeEventSource.last = null;
    const { result } = renderHook(() => useSandboxEvents(null), { wrapper });
    expect(FakeEventSource.last).toBeNull();
    expect(result.current.events).toEqual([]);
  });
});
