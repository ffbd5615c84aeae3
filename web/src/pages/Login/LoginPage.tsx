/** Signs in, then goes back to where the person was sent from (`?next=`), or home. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { safeNextPath } from '../../../../src/contract/next-path';
import { signIn, signInProviders } from '../../api/queries/auth';
import { LoginPageView } from './LoginPageView';


/** Paths the dashboard draws itself; anything else (a sandbox under /user/) is a full page load. */
const isDashboardPath = (path: string) => !path.startsWith('/user/') && !path.startsWith('/api/');

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const mutation = useMutation(signIn(queryClient));
  const next = safeNextPath(params.get('next'));
  const ways = useQuery(signInProviders());
  const oidc = ways.data?.oidc;

  return (
    <LoginPageView
      pending={mutation.isPending}
      error={mutation.error}
      local={ways.data?.local ?? true}
      providers={oidc ? [{ id: 'oidc', name: oidc.name, href: `${oidc.loginUrl}?next=${encodeURIComponent(next)}` }] : []}
      onSignIn={(username, password) =>
        mutation.mutate(
          { username, password },
          {
            onSuccess: () => {
              if (isDashboardPath(next)) void navigate(next, { replace: true });
              else window.location.assign(next);
            },
          },
        )
      }
    />
  );
}
