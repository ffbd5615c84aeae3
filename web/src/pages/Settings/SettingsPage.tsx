/** Wires the settings view to the password, token, SSH key and session endpoints. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { changePassword, me as meQuery, signOutEverywhere } from '../../api/queries/me';
import { addSshKey, removeSshKey, sshGateway, sshKeys as sshKeysQuery } from '../../api/queries/ssh';
import { createToken, revokeToken, tokens as tokensQuery } from '../../api/queries/tokens';
import { SettingsPageView } from './SettingsPageView';

export function SettingsPage() {
  const queryClient = useQueryClient();
  const me = useQuery(meQuery());
  const tokens = useQuery(tokensQuery());
  const keys = useQuery(sshKeysQuery());
  const gateway = useQuery(sshGateway());
  const password = useMutation(changePassword());
  const create = useMutation(createToken(queryClient));
  const revoke = useMutation(revokeToken(queryClient));
  const addKey = useMutation(addSshKey(queryClient));
  const removeKey = useMutation(removeSshKey(queryClient));
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
      sshKeys={{
        keys: keys.data,
        error: keys.error,
        onRetry: () => void keys.refetch(),
        onAdd: (request) => addKey.mutateAsync(request),
        onRemove: (key) => removeKey.mutateAsync(key),
      }}
      sshConnect={{
        gateway: gateway.data,
        username: me.data?.user.username,
        error: gateway.error ?? me.error,
        onRetry: () => void (gateway.error ? gateway.refetch() : me.refetch()),
      }}
      sessions={{ onSignOutEverywhere: () => everywhere.mutateAsync().then(() => navigate('/login')) }}
    />
  );
}
