// @vitest-environment happy-dom
import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeQueryClient } from '../Providers';
import { FakeEventSource } from '../testing/fakeEventSource';
import { MockImagePulls } from '../testing/mocks';
import { useImagePulls } from './imagePulls';
import { machinesKey } from './queries/machines';

afterEach(() => vi.unstubAllGlobals());

function setUp() {
  vi.stubGlobal('EventSource', FakeEventSource);
  const queryClient = makeQueryClient();
  const invalidated = vi.spyOn(queryClient, 'invalidateQueries');
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
  const { result } = renderHook(() => useImagePulls(), { wrapper });
  return { result, source: FakeEventSource.last!, invalidated };
}

describe('useImagePulls', () => {
  it('keeps the latest state of each pull, and fetches the machines again when one is done', () => {
    const { result, source, invalidated } = setUp();
    expect(source.url).toBe('/api/images/pulls/events');
    const [, pulling] = MockImagePulls;
    act(() => {
      for (const pull of MockImagePulls) source.emit(pull.state, pull);
      source.emit('pulling', { ...pulling!, percent: 70 });
    });
    expect(result.current.pulls.map((p) => [p.id, p.state, p.percent])).toEqual([
      ['pull-1', 'done', 100],
      ['pull-2', 'pulling', 70],
      ['pull-3', 'queued', null],
      ['pull-4', 'failed', null],
    ]);
    expect(invalidated).toHaveBeenCalledTimes(1);
    act(() => source.emit('done', { ...pulling!, state: 'done', percent: 100 }));
    expect(invalidated).toHaveBeenLastCalledWith({ queryKey: machinesKey });
    expect(result.current.lost).toBe(false);
  });

  it('says when the browser gives up on the stream', () => {
    const { result, source } = setUp();
    act(() => source.fail());
    expect(result.current.lost).toBe(true);
  });
});
