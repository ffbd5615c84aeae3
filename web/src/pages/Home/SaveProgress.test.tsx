// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MockSaveEventsFailed, MockSaveEventsPushing, MockSaveEventsSaved, MockSaveStarted } from '../../testing/environmentMocks';
import { MockSandboxRunning } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { SaveProgress, type SaveUnderWay } from './SaveProgress';

afterEach(cleanup);

const save = (over: Partial<SaveUnderWay>): SaveUnderWay => ({ sandbox: MockSandboxRunning, started: MockSaveStarted, events: [], finished: false, lost: false, ...over });

describe('SaveProgress', () => {
  it("shows the push's percentage as a bar and each step once", () => {
    renderView(<SaveProgress save={save({ events: MockSaveEventsPushing })} onDismiss={vi.fn()} />);
    expect(screen.getByRole('heading', { name: 'Saving main as torch' })).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('64');
    expect(screen.getByRole('status').textContent).toBe('64% pushed to the registry');
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Saving the environment torch', "Pushing torch to the team's registry: 64%"]);
    expect(screen.queryByRole('button', { name: 'Dismiss' })).toBeNull();
  });

  it('says how to launch what was saved, and can be dismissed', async () => {
    const onDismiss = vi.fn();
    renderView(<SaveProgress save={save({ events: MockSaveEventsSaved, finished: true })} onDismiss={onDismiss} />);
    expect(screen.getByText('Saved. Launch it from the form below: it is listed as alice/torch.')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(onDismiss).toHaveBeenCalled();
  });

  it('says why the save failed', () => {
    renderView(<SaveProgress save={save({ events: MockSaveEventsFailed, finished: true })} onDismiss={vi.fn()} />);
    expect(screen.getAllByRole('listitem').at(-1)!.textContent).toBe('torch was not saved.');
    expect(screen.getByText("the team's registry refused: 401 Unauthorized")).toBeTruthy();
  });

  it('says when the sandbox ended before the save did, or the stream was lost', () => {
    renderView(<SaveProgress save={save({ events: MockSaveEventsPushing.slice(0, 1), finished: true })} onDismiss={vi.fn()} />);
    expect(screen.getByText('main ended before the save did; nothing was saved.')).toBeTruthy();
    cleanup();
    renderView(<SaveProgress save={save({ events: MockSaveEventsPushing, lost: true })} onDismiss={vi.fn()} />);
    expect(screen.getByText('The progress stream was lost; My environments lists it once it is saved.')).toBeTruthy();
  });

  it('says each step in Japanese', () => {
    renderView(<SaveProgress save={save({ events: MockSaveEventsSaved, finished: true })} onDismiss={vi.fn()} />, { language: 'ja' });
    expect(screen.getAllByRole('listitem').at(-1)!.textContent).toBe('torch を保存しました: 4.2 GiB、51.8 秒');
  });
});
