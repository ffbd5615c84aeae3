/**
 * How to reach my sandboxes over SSH: the hub's host key fingerprint (what ssh asks about on
 * first connecting), the command, what the user name means, and a ~/.ssh/config entry for my
 * default sandbox that VS Code Remote-SSH reads too.
 */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { DEFAULT_SANDBOX_NAME } from '../../../../src/contract/names';
import { sshUser } from '../../../../src/contract/ssh';
import { hostBlock, isOpen, knownHostsLine, sshHosts } from '../../../../src/contract/ssh-config';
import type { SshGatewayInfo } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { Loaded } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { monospace } from '../../theme/theme';

export interface SshConnectSectionProps {
  gateway: SshGatewayInfo | undefined;
  /** The signed-in user's name; undefined until it is known. */
  username: string | undefined;
  error: unknown;
  onRetry(): void;
}

function Code({ text, label, copyLabel }: { text: string; label: string; copyLabel?: string }) {
  return (
    <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', mb: 2 }}>
      <Box
        component="pre"
        aria-label={label}
        sx={{ m: 0, px: 1.5, py: 1, flex: '0 1 auto', minWidth: 0, overflowX: 'auto', fontFamily: monospace, fontSize: '0.85rem', bgcolor: 'action.hover', borderRadius: 1 }}
      >
        {text}
      </Box>
      {copyLabel && <CopyButton text={text} label={copyLabel} />}
    </Box>
  );
}

export function SshConnectSection({ gateway, username, error, onRetry }: SshConnectSectionProps) {
  const { t } = useI18n();
  const ready = gateway && username !== undefined ? { gateway, username } : undefined;
  return (
    <Box component="section" aria-labelledby="ssh-connect-title">
      <Typography variant="h2" id="ssh-connect-title" sx={{ mb: 1 }}>
        {t.ssh.connect}
      </Typography>
      <Loaded data={ready} error={error} onRetry={onRetry} empty={null} isEmpty={() => false} loadingRows={2}>
        {({ gateway, username: me }) => {
          if (!isOpen(gateway)) return <Typography variant="body2">{t.ssh.disabled}</Typography>;
          const { host, port, hostKey } = gateway;
          const sandbox = DEFAULT_SANDBOX_NAME;
          const user = sshUser(me, sandbox);
          // The same block and line as shiva ssh-config prints (src/contract/ssh-config.ts).
          const block = sshHosts(gateway, me, [sandbox])[0]!;
          const alias = block.host;
          const trusted = knownHostsLine(gateway);
          return (
            <>
              <Typography variant="body2" sx={{ mb: 1 }}>
                {t.ssh.commandHelp}
              </Typography>
              <Code text={`ssh -p ${port} ${user}@${host}`} label={t.ssh.command} copyLabel={t.ssh.copyCommand} />
              <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
                {t.ssh.userHelp(sshUser('<user>', '<sandbox>'), user, me, sandbox)}
              </Typography>
              {hostKey && (
                <>
                  <Typography variant="body2" sx={{ mb: 1 }}>
                    {t.ssh.hostKeyHelp}
                  </Typography>
                  <Code text={`${hostKey.algorithm} ${hostKey.fingerprint}`} label={t.ssh.hostKey} />
                </>
              )}
              <Typography variant="body2" sx={{ mb: 1 }}>
                {t.ssh.configHelp(alias)}
              </Typography>
              <Code text={hostBlock(block)} label={t.ssh.config} copyLabel={t.ssh.copyConfig} />
              {trusted && (
                <>
                  <Typography variant="body2" sx={{ mb: 1 }}>
                    {t.ssh.knownHostsHelp}
                  </Typography>
                  <Code text={trusted} label={t.ssh.knownHosts} copyLabel={t.ssh.copyKnownHosts} />
                </>
              )}
              <Typography variant="body2" color="text.secondary">
                {t.ssh.vscode(alias)}
              </Typography>
            </>
          );
        }}
      </Loaded>
    </Box>
  );
}
