// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MockLaunchEventsFailed, MockLaunchEventsPulling, MockLaunchEventsRunning, MockSandboxRunning } from '../../testing/mocks';
import { renderView } from '../../testing/render';
import { LaunchProgress } from './LaunchProgress';
import { splitFailure, steps } from './launchProgress';

afterEach(cleanup);

const launching = { ...MockSandboxRunning, state: 'queued' as const, startedAt: null };

describe('LaunchProgress', () => {
  it('shows the pull percentage as a bar and each step once', () => {
    renderView(<LaunchProgress sandbox={launching} events={MockLaunchEventsPulling} lost={false} onDismiss={vi.fn()} />);
    const bar = screen.getAllByRole('progressbar')[0]!;
    expect(bar.getAttribute('aria-valuenow')).toBe('64');
    expect(screen.getByRole('status').textContent).toBe('Pulling image — 64% pulled');
    expect(screen.getByRole('list', { name: 'Progress' }).textContent).toMatch(/^Queued — Placed on gpu-1Pulling image 64%/);
  });

  it('ends in an Open button when the sandbox runs', () => {
    renderView(<LaunchProgress sandbox={launching} events={MockLaunchEventsRunning} lost={false} onDismiss={vi.fn()} />);
    expect(screen.getByText('main is ready.')).toBeTruthy();
    const open = screen.getByRole('link', { name: 'Open' });
    expect(open.getAttribute('href')).toBe(MockSandboxRunning.url);
    expect(open.getAttribute('target')).toBe('_blank');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('ends in the reason and the container log when the launch fails', () => {
    renderView(<LaunchProgress sandbox={launching} events={MockLaunchEventsFailed} lost={false} onDismiss={vi.fn()} />);
    expect(screen.getByText('main did not start.')).toBeTruthy();
    expect(screen.getByText('The container exited with code 1 before answering.')).toBeTruthy();
    expect(screen.getByLabelText("Last lines of the container's log").textContent).toContain("ModuleNotFoundError: No module named 'jupyter_server'");
  });

  it('says when the progress stream is lost', () => {
    renderView(<LaunchProgress sandbox={launching} events={MockLaunchEventsPulling.slice(0, 1)} lost onDismiss={vi.fn()} />);
    expect(screen.getByText(/The progress stream was lost/)).toBeTruthy();
  });
});

describe('reading launch events', () => {
  it('splits a failure into its reason and log tail', () => {
    expect(splitFailure("boom\n--- last lines of the container's log ---\nline 1\nline 2\n")).toEqual({ reason: 'boom', log: 'line 1\nline 2' });
    expect(splitFailure('no log')).toEqual({ reason: 'no log', log: null });
  });

  it('keeps the latest of repeated events of one state', () => {
    expect(steps(MockLaunchEventsPulling).map((e) => e.percent)).toEqual([null, 64]);
  });
});
