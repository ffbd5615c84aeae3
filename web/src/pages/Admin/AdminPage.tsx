/** Loads users, every sandbox, the images and their pulls, recent events, usage and the audit log for admins; others see that the page is not for them. */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { auditLog, type AuditFilters } from '../../api/queries/audit';
import { recentEvents } from '../../api/queries/events';
import { images as imagesQuery, pullImage } from '../../api/queries/images';
import { useImagePulls } from '../../api/imagePulls';
import { storage as storageQuery } from '../../api/queries/storage';
import { me as meQuery } from '../../api/queries/me';
import { allSandboxes, stopSandbox } from '../../api/queries/sandboxes';
import { lastDays, usage as usageQuery, type UsageRange } from '../../api/queries/usage';
import { createUser, endSessions, updateUser, USERS_PAGE_SIZE, usersPage } from '../../api/queries/users';
import { useCursorPages } from '../../utils/useCursorPages';
import { useDebounced } from '../../utils/useDebounced';
import { useNow } from '../../components/now';
import { LoadingState } from '../../components/States';
import { AdminForbiddenView, AdminPageView } from './AdminPageView';

export function AdminPage() {
  const me = useQuery(meQuery());
  if (!me.data) return <LoadingState />;
  if (!me.data.user.admin) return <AdminForbiddenView />;
  return <AdminPageLoaded />;
}

function AdminPageLoaded() {
  const queryClient = useQueryClient();
  const me = useQuery(meQuery());
  // Users come a page at a time, searched on the hub: a company's ten thousand accounts never
  // all reach the browser.
  const [userSearch, setUserSearch] = useState('');
  const search = useDebounced(userSearch.trim(), 300);
  const userPages = useCursorPages(search);
  const users = useQuery(usersPage({ search, cursor: userPages.cursor }));
  const sandboxes = useQuery(allSandboxes());
  const events = useInfiniteQuery(recentEvents());
  const storage = useQuery(storageQuery());
  const create = useMutation(createUser(queryClient));
  const update = useMutation(updateUser(queryClient));
  const stop = useMutation(stopSandbox(queryClient));
  const end = useMutation(endSessions(queryClient));
  const images = useQuery(imagesQuery());
  const pulls = useImagePulls();
  const pull = useMutation(pullImage(queryClient));
  const [asking, setAsking] = useState<ReadonlySet<string>>(new Set());
  const [auditFilters, setAuditFilters] = useState<AuditFilters>({});
  const audit = useInfiniteQuery(auditLog(auditFilters));
  const [stopping, setStopping] = useState<ReadonlySet<string>>(new Set());
  const now = useNow();
  const [usageRange, setUsageRange] = useState<UsageRange>(() => lastDays(now));
  const usage = useQuery(usageQuery(usageRange));

  if (!me.data) return <LoadingState />;
  return (
    <AdminPageView
      me={me.data.user}
      users={{
        users: users.data?.items,
        total: users.data?.total,
        error: users.error,
        onRetry: () => void users.refetch(),
        search: userSearch,
        onSearch: setUserSearch,
        page: userPages.index,
        // The page shown is the one before while the next loads: its `next` must not be walked twice.
        pageLoading: users.isPlaceholderData,
        pageSize: USERS_PAGE_SIZE,
        onPage: (page) => {
          if (page < userPages.index) userPages.back();
          else if (users.data?.next) userPages.forward(users.data.next);
        },
        onCreate: (request) => create.mutateAsync(request),
        onUpdate: (user, changes) => update.mutateAsync({ id: user.id, changes }),
        onEndSessions: (user) => end.mutateAsync(user),
      }}
      sandboxes={{
        sandboxes: sandboxes.data?.items,
        total: sandboxes.data?.total,
        error: sandboxes.error,
        onRetry: () => void sandboxes.refetch(),
        busyIds: stopping,
        stopError: stop.error,
        onStop: (sandbox) => {
          setStopping((previous) => new Set(previous).add(sandbox.id));
          stop.mutate(sandbox, {
            onSettled: () =>
              setStopping((previous) => {
                const next = new Set(previous);
                next.delete(sandbox.id);
                return next;
              }),
          });
        },
      }}
      images={{
        images: images.data,
        error: images.error,
        onRetry: () => void images.refetch(),
        pulls: pulls.pulls,
        pullsLost: pulls.lost,
        asking,
        pullError: pull.error,
        onPull: (image) => {
          setAsking((previous) => new Set(previous).add(image.name));
          pull.mutate(
            { name: image.name },
            {
              onSettled: () =>
                setAsking((previous) => {
                  const next = new Set(previous);
                  next.delete(image.name);
                  return next;
                }),
            },
          );
        },
      }}
      events={{
        events: events.data?.pages.flatMap((page) => page.entries),
        error: events.error,
        onRetry: () => void events.refetch(),
        hasOlder: events.hasNextPage,
        loadingOlder: events.isFetchingNextPage,
        onOlder: () => void events.fetchNextPage(),
      }}
      audit={{
        filters: auditFilters,
        onFilter: setAuditFilters,
        entries: audit.data?.pages.flatMap((page) => page.entries),
        error: audit.error,
        onRetry: () => void audit.refetch(),
        hasOlder: audit.hasNextPage,
        loadingOlder: audit.isFetchingNextPage,
        onOlder: () => void audit.fetchNextPage(),
      }}
      usage={{ range: usageRange, onRange: setUsageRange, report: usage.data, error: usage.error, onRetry: () => void usage.refetch() }}
      homes={storage.data?.homes}
    />
  );
}
