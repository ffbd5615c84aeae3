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
    expect(screen.getByRole('list', { name: 'Progress' }).textContent).toMatch(/^Queued — Queued on gpu-1 with GPU GPU-0-0b1cPulling image 64% — Pulling shiva\/notebook:latest: 64%$/);
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

  it('says each step in Japanese from its code, and falls back to the hub\'s message without one', () => {
    const uncoded = { ...MockLaunchEventsRunning[3]!, id: 9, state: 'waiting' as const, message: 'Waiting a while', code: null, params: null };
    const unknownCode = { ...uncoded, id: 10, message: 'Something newer', code: 'from_a_newer_hub', params: {} };
    const badParams = { ...uncoded, id: 11, message: 'Queued somewhere', code: 'queued', params: { machine: 3 } };
    renderView(<LaunchProgress sandbox={launching} events={MockLaunchEventsRunning} lost={false} onDismiss={vi.fn()} />, { language: 'ja' });
    const list = screen.getByRole('list', { name: '進捗' }).textContent;
    expect(list).toContain('gpu-1 に配置（GPU GPU-0-0b1c）');
    expect(list).toContain('コンテナを作成中');
    expect(list).toContain('1.4 秒で準備完了');
    expect(list).not.toMatch(/Queued on|Creating the container|Ready in/);
    cleanup();
    for (const event of [uncoded, unknownCode, badParams]) {
      renderView(<LaunchProgress sandbox={launching} events={[event]} lost={false} onDismiss={vi.fn()} />, { language: 'ja' });
      expect(screen.getByRole('list', { name: '進捗' }).textContent).toContain(event.message);
      cleanup();
    }
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
