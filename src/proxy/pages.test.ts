import { describe, expect, it } from 'vitest';
import { classifyUpstreamError, describeAbsence, errorJson, errorPage, escapeHtml } from './pages.js';

describe('pages', () => {
  it('escapes every interpolated text in HTML pages', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const page = errorPage({ title: '<script>t</script>', message: 'failed: <img src=x onerror=alert(1)>' });
    expect(page).not.toContain('<script>t');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('carries its own empty icon, so that browsers ask for no favicon', () => {
    expect(errorPage({ title: 't', message: 'm' })).toContain('<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">');
  });

  it('says why a sandbox has no route', () => {
    expect(describeAbsence('alice', 'main', undefined).message).toBe('The sandbox alice/main does not exist.');
    expect(describeAbsence('alice', 'main', { state: 'stopped' }).message).toBe('The sandbox alice/main is stopped.');
    expect(describeAbsence('alice', 'main', { state: 'stopped', reason: 'out of memory: the sandbox used its 4 GiB limit' }).message).toBe(
      'The sandbox alice/main has stopped: out of memory: the sandbox used its 4 GiB limit. Launch it again from the dashboard.',
    );
    const unknown = describeAbsence('alice', 'main', { state: 'unknown' });
    expect(unknown.message).toBe('The machine of the sandbox alice/main does not answer. The sandbox is kept and comes back when its machine does; this page reloads by itself.');
    expect(unknown.transient).toBe(true);
    expect(describeAbsence('alice', 'main', { state: 'failed', reason: 'image not found' }).message).toBe(
      'The sandbox alice/main failed: image not found',
    );
    const launching = describeAbsence('alice', 'main', { state: 'pulling' });
    expect(launching.transient).toBe(true);
    expect(launching.message).toContain('not ready yet (pulling)');
  });

  it('writes the API error body', () => {
    expect(JSON.parse(errorJson('FORBIDDEN'))).toEqual({ error: { code: 'FORBIDDEN', message: 'You are not allowed to do this.' } });
    expect(JSON.parse(errorJson('SANDBOX_NOT_RUNNING', 'm', { state: 'stopped' }))).toEqual({
      error: { code: 'SANDBOX_NOT_RUNNING', message: 'm', details: { state: 'stopped' } },
    });
  });

  it('classifies connection failures', () => {
    const err = (code: string | undefined, message = 'x'): NodeJS.ErrnoException => Object.assign(new Error(message), { code });
    expect(classifyUpstreamError(err('ECONNREFUSED'))).toBe('refused');
    expect(classifyUpstreamError(err('ECONNRESET'))).toBe('reset');
    expect(classifyUpstreamError(err(undefined, 'socket hang up'))).toBe('reset');
    expect(classifyUpstreamError(err('ETIMEDOUT'))).toBe('timeout');
    expect(classifyUpstreamError(err('EHOSTUNREACH'))).toBe('unreachable');
    expect(classifyUpstreamError(err('EWHATEVER'))).toBe('other');
  });
});
