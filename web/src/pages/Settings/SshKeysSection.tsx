/** My SSH keys: add one by pasting a .pub file (never a private key), list, remove. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState, type FormEvent } from 'react';
import { SSH_PUBLIC_KEY_MAX_LENGTH } from '../../../../src/contract/ssh';
import { isApiError } from '../../api/client';
import type { AddSshKeyRequest, ErrorCode, SshKey } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { LastUsed } from '../../components/LastUsed';
import { OneLineName } from '../../components/OneLineName';
import { RelativeTime } from '../../components/RelativeTime';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';
import { monospace } from '../../theme/theme';

/** Columns a phone leaves out: the name says which key. */
const wide = { display: { xs: 'none', sm: 'table-cell' } } as const;

/** Refusals about the pasted key itself, shown under its field; any other one goes above the list. */
const KEY_ERRORS: readonly ErrorCode[] = ['INVALID_SSH_KEY', 'SSH_KEY_IN_USE'];

/** A private key (OpenSSH, PEM or PuTTY) pasted by mistake: refused here so it never leaves the browser. */
export const looksPrivate = (text: string): boolean => /PRIVATE KEY|PuTTY-User-Key-File/.test(text);

export interface SshKeysSectionProps {
  keys: SshKey[] | undefined;
  error: unknown;
  onRetry(): void;
  onAdd(request: AddSshKeyRequest): Promise<SshKey>;
  onRemove(key: SshKey): Promise<unknown>;
}

export function SshKeysSection({ keys, error, onRetry, onAdd, onRemove }: SshKeysSectionProps) {
  const { t } = useI18n();
  const [publicKey, setPublicKey] = useState('');
  const [name, setName] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [pending, setPending] = useState(false);
  const [keyError, setKeyError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<SshKey | null>(null);

  const pasted = publicKey.trim();
  const isPrivate = looksPrivate(pasted);
  const keyProblem = isPrivate
    ? t.ssh.privateKey
    : submitted && !pasted
      ? t.login.required
      : keyError !== null
        ? errorMessage(keyError, t)
        : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!pasted || isPrivate) return;
    setPending(true);
    setKeyError(null);
    setActionError(null);
    try {
      await onAdd({ publicKey: pasted, ...(name.trim() ? { name: name.trim() } : {}) });
      setPublicKey('');
      setName('');
      setSubmitted(false);
    } catch (err) {
      if (KEY_ERRORS.some((code) => isApiError(err, code))) setKeyError(err);
      else setActionError(err);
    } finally {
      setPending(false);
    }
  };
  const remove = async (key: SshKey) => {
    setRemoving(null);
    setActionError(null);
    try {
      await onRemove(key);
    } catch (err) {
      setActionError(err);
    }
  };

  return (
    <Box component="section" aria-labelledby="ssh-keys-title">
      <Typography variant="h2" id="ssh-keys-title">
        {t.ssh.keys}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t.ssh.keysHelp}
      </Typography>
      <Box component="form" onSubmit={submit} noValidate sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start', mb: 2 }}>
        <TextField
          label={t.ssh.publicKey}
          placeholder={t.ssh.publicKeyPlaceholder}
          value={publicKey}
          onChange={(e) => {
            setPublicKey(e.target.value);
            setKeyError(null);
          }}
          required
          multiline
          minRows={2}
          error={keyProblem !== null}
          helperText={keyProblem ?? t.ssh.publicKeyHelp}
          slotProps={{ htmlInput: { maxLength: SSH_PUBLIC_KEY_MAX_LENGTH, spellCheck: false, sx: { fontFamily: monospace, fontSize: '0.85rem' } } }}
          sx={{ flex: '1 1 100%' }}
        />
        <TextField
          label={t.ssh.name}
          value={name}
          onChange={(e) => setName(e.target.value)}
          helperText={t.ssh.nameHelp}
          slotProps={{ htmlInput: { maxLength: 64 } }}
          sx={{ minWidth: 220, flex: '1 1 220px', maxWidth: 360 }}
        />
        <Button type="submit" variant="contained" size="large" disabled={pending || isPrivate}>
          {t.ssh.add}
        </Button>
      </Box>
      <DataTable
        rows={keys}
        error={error}
        onRetry={onRetry}
        empty={t.ssh.noKeys}
        actionError={actionError}
        actionErrorGap={2}
        labelledBy="ssh-keys-title"
        columns={[
          { label: t.ssh.name },
          { label: t.ssh.type, sx: wide },
          { label: t.ssh.fingerprint, sx: wide },
          { label: t.ssh.added, sx: wide },
          { label: t.settings.lastUsed, sx: wide },
          { label: t.home.actions, align: 'right' },
        ]}
        renderRow={(key) => (
          <TableRow key={key.id} hover>
            <TableCell component="th" scope="row" sx={{ fontWeight: 600 }}>
              <OneLineName name={key.name} />
            </TableCell>
            <TableCell sx={wide}>{key.algorithm}</TableCell>
            <TableCell sx={{ ...wide, fontFamily: monospace, fontSize: '0.8rem', overflowWrap: 'anywhere' }}>{key.fingerprint}</TableCell>
            <TableCell sx={wide}>
              <RelativeTime at={key.createdAt} />
            </TableCell>
            <TableCell sx={wide}>
              <LastUsed at={key.lastUsedAt} from={key.lastUsedFrom} />
            </TableCell>
            <TableCell align="right">
              <Button size="small" color="error" variant="outlined" aria-label={t.ssh.removeLabel(key.name)} onClick={() => setRemoving(key)}>
                {t.ssh.remove}
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
      <ConfirmDialog
        open={removing !== null}
        title={t.ssh.removeTitle(removing?.name ?? '')}
        body={t.ssh.removeBody}
        confirmLabel={t.ssh.remove}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && void remove(removing)}
      />
    </Box>
  );
}
