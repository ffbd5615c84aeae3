/** The audit log, for admins: newest first, filtered, a page at a time ("Older" continues with `before`). */
import { infiniteQueryOptions } from '@tanstack/react-query';
import { request } from '../client';
import type { AuditEntryView } from '../types';

export const auditKey = ['audit'] as const;

/** The actions the hub records, offered as filter choices. */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.logout',
  'sandbox.launch',
  'sandbox.stop',
  'sandbox.admin-access',
  'user.create',
  'user.update',
  'user.password',
  'user.sessions.end',
  'homes.measure',
  'token.create',
  'token.revoke',
  'ssh-key.add',
  'ssh-key.remove',
  'ssh.connect',
  'ssh.disconnect',
  'image.pull',
  'image.pulled',
] as const;

export const AUDIT_RESULTS = ['ok', 'refused', 'failed'] as const satisfies readonly AuditEntryView['result'][];

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilters {
  actor?: string;
  action?: string;
  result?: AuditEntryView['result'];
  since?: string;
  until?: string;
}

export interface AuditPage {
  entries: AuditEntryView[];
  nextBefore: number | null;
}

/** The query string of one page: only the filters that are set. */
export function auditSearch(filters: AuditFilters, before: number | null, limit = AUDIT_PAGE_SIZE): string {
  const params = new URLSearchParams();
  for (const key of ['actor', 'action', 'result', 'since', 'until'] as const) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  if (before !== null) params.set('before', String(before));
  params.set('limit', String(limit));
  return params.toString();
}

export const auditLog = (filters: AuditFilters) =>
  infiniteQueryOptions({
    queryKey: [...auditKey, filters] as const,
    queryFn: ({ pageParam, signal }) => request<AuditPage>(`/api/audit?${auditSearch(filters, pageParam)}`, { signal }),
    initialPageParam: null as number | null,
    getNextPageParam: (last: AuditPage) => last.nextBefore,
  });
