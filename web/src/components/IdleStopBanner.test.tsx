// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MockSandboxIdle, MockSandboxRunning } from '../testing/mocks';
import { renderView } from '../testing/render';
import { IdleStopBanner } from './IdleStopBanner';

afterEach(cleanup);

describe('the banner of a sandbox about to be stopped', () => {
  it('says when and why it stops, and Keep it running asks to keep that sandbox', () => {
    const onKeep = vi.fn();
    renderView(<IdleStopBanner sandbox={MockSandboxIdle} busy={false} onKeep={onKeep} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('idle has been idle: it stops at');
    expect(alert.textContent).toContain('in 8 minutes');
    expect(alert.textContent).toContain('Your home stays.');
    fireEvent.click(screen.getByRole('button', { name: 'Keep it running: idle' }));
    expect(onKeep).toHaveBeenCalledWith(MockSandboxIdle);
  });

  it('waits while a keep is on its way', () => {
    renderView(<IdleStopBanner sandbox={MockSandboxIdle} busy onKeep={() => undefined} />);
    expect((screen.getByRole('button', { name: 'Keep it running: idle' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('offers no button for the maximum age, which nothing postpones, and says so', () => {
    renderView(<IdleStopBanner sandbox={{ ...MockSandboxIdle, idleStop: { ...MockSandboxIdle.idleStop!, reason: 'max_age' } }} busy={false} onKeep={() => undefined} />);
    expect(screen.getByRole('alert').textContent).toContain('Keep it running cannot postpone that');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('shows nothing for a sandbox with no stop announced', () => {
    renderView(<IdleStopBanner sandbox={MockSandboxRunning} busy={false} onKeep={() => undefined} />);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
