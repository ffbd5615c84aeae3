// @vitest-environment happy-dom
import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeQueryClient } from '../Providers';
import { MockSaveEventsFailed, MockSaveEventsSaved, MockSaveStarted } from '../testing/environmentMocks';
import { FakeEventSource } from '../testing/fakeEventSource';
import { MockLaunchEventsRunning } from '../testing/mocks';
import { useSaveEvents } from './saveEvents';
import type { SandboxEvent } from './types';

const queryClient = makeQueryClient();
const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;

afterEach(() => vi.unstubAllGlobals());

describe('useSaveEvents', () => {
  it("follows the sandbox's events and keeps only this save's, until it is saved", () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
    const { result } = renderHook(() => useSaveEvents(MockSaveStarted), { wrapper });
    const source = FakeEventSource.last!;
    expect(source.url).toBe('/api/sandboxes/sbx_a1/events?follow=true');
    // The history: the launch, and an earlier save of the same name.
    const earlier: SandboxEvent = { ...MockSaveEventsFailed[1]!, id: 8, at: '2026-03-01T09:00:00.000Z' };
    act(() => {
      for (const event of [...MockLaunchEventsRunning, earlier]) source.emitEvent(event);
    });
    expect(result.current).toEqual({ events: [], finished: false, lost: false });
    act(() => {
      for (const event of MockSaveEventsSaved) source.emitEvent(event);
    });
    expect(result.current.events.map((e) => e.code)).toEqual(['save_started', 'save_progress', 'save_progress', 'saved']);
    expect(result.current.finished).toBe(true);
    expect(source.readyState).toBe(FakeEventSource.CLOSED);
    // My environments and the launch form's images have it now.
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ['environments'] });
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ['images'] });
  });

  it('ends when the sandbox stops before the save says how it ended', () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    const { result } = renderHook(() => useSaveEvents(MockSaveStarted), { wrapper });
    const source = FakeEventSource.last!;
    act(() => {
      source.emitEvent(MockSaveEventsSaved[0]!);
      source.emitEvent({ ...MockSaveEventsSaved[1]!, id: 30, state: 'stopped', code: null, params: null, message: 'Stopped: stopped by its owner' });
    });
    expect(result.current.events.map((e) => e.code)).toEqual(['save_started']);
    expect(result.current.finished).toBe(true);
    expect(source.readyState).toBe(FakeEventSource.CLOSED);
  });

  it('follows nothing before a save starts', () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    FakeEventSource.last = null;
    renderHook(() => useSaveEvents(null), { wrapper });
    expect(FakeEventSource.last).toBeNull();
  });
});
