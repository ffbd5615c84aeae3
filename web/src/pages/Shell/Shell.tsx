/** Loads who is signed in, then frames the page; while that loads or fails, says so. */
import Box from '@mui/material/Box';
import CircularProgress from '@mui/material/CircularProgress';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { isApiError } from '../../api/client';
import { me, signOut } from '../../api/queries/me';
import { ConnectionBanner } from '../../components/ConnectionBanner';
import { ErrorState } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { ShellView } from './ShellView';

export function Shell() {
  const { t } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const meQuery = useQuery(me());
  const signOutMutation = useMutation(signOut(queryClient));

  // UNAUTHENTICATED: the client is already on its way to the sign-in page.
  if (meQuery.isPending || isApiError(meQuery.error, 'UNAUTHENTICATED')) {
    return (
      <Box sx={{ display: 'grid', placeItems: 'center', minHeight: '100vh' }} role="status" aria-label={t.common.loading}>
        <CircularProgress />
      </Box>
    );
  }
  if (meQuery.isError) {
    return (
      <>
        <ConnectionBanner />
        <Box sx={{ p: 3, maxWidth: 640, mx: 'auto' }}>
          <ErrorState error={meQuery.error} onRetry={() => void meQuery.refetch()} />
        </Box>
      </>
    );
  }
  return (
    <ShellView
      user={meQuery.data.user}
      path={location.pathname}
      onSignOut={() => signOutMutation.mutate(undefined, { onSettled: () => void navigate('/login') })}
    >
      <Outlet />
    </ShellView>
  );
}
