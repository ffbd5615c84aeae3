/** Wires the settings view to the password, token and session endpoints. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { changePassword, me as meQuery, signOutEverywhere } from '../../api/queries/me';
import { createToken, revokeToken, tokens as tokensQuery } from '../../api/queries/tokens';
import { SettingsPageView } from './SettingsPageView';

export function SettingsPage() {
  const queryClient = useQueryClient();
  const me = useQuery(meQuery());
  const tokens = useQuery(tokensQuery());
  const password = useMutation(changePassword());
  const create = useMutation(createToken(queryClient));
  const revoke = useMutation(revokeToken(queryClient));
  const everywhere = useMutation(signOutEverywhere(queryClient));
  const navigate = useNavigate();
  return (
    <SettingsPageView
      password={{ onChange: (request) => password.mutateAsync(request) }}
      tokens={{
        admin: me.data?.user.admin ?? false,
        tokens: tokens.data,
        error: tokens.error,
        onRetry: () => void tokens.refetch(),
        onCreate: (request) => create.mutateAsync(request),
        onRevoke: (token) => revoke.mutateAsync(token),
      }}
      sessions={{ onSignOutEverywhere: () => everywhere.mutateAsync().then(() => navigate('/login')) }}
    />
  );
}
