/** My API tokens: create one with a name, an expiry and scopes (its secret shown once), list, revoke. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormGroup from '@mui/material/FormGroup';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import InputLabel from '@mui/material/InputLabel';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useState, type FormEvent } from 'react';
import { ADMIN_ONLY_SCOPES, CREDENTIAL_SCOPES, SCOPES, type Scope } from '../../../../src/contract/scopes';
import type { CreatedToken, CreateTokenRequest, Token } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { LastUsed } from '../../components/LastUsed';
import { RelativeTime } from '../../components/RelativeTime';
import { SecretOnce } from '../../components/SecretOnce';
import { OneLineName } from '../../components/OneLineName';
import { useI18n } from '../../i18n/I18nProvider';

/** Expiry choices in days; 0 is "never". */
export const EXPIRY_DAYS = [7, 30, 90, 365, 0] as const;

const wide = { display: { xs: 'none', sm: 'table-cell' } } as const;

/** The scopes a person may give a token: `admin` and `metrics:read` only when they are one. */
export const grantableScopes = (admin: boolean): Scope[] => SCOPES.filter((scope) => admin || !ADMIN_ONLY_SCOPES.includes(scope));

export interface TokensSectionProps {
  /** Whether the signed-in user is an admin, who alone may give a token the `admin` scope. */
  admin: boolean;
  tokens: Token[] | undefined;
  error: unknown;
  onRetry(): void;
  onCreate(request: CreateTokenRequest): Promise<CreatedToken>;
  onRevoke(token: Token): Promise<unknown>;
}

export function TokensSection({ admin, tokens, error, onRetry, onCreate, onRevoke }: TokensSectionProps) {
  const { t } = useI18n();
  const expiryId = useId();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number>(30);
  // What was unticked rather than what is ticked: every scope one may give starts ticked, also
  // `admin` once it is known that the person is one; only those over credentials start unticked.
  const [unticked, setUnticked] = useState<ReadonlySet<Scope>>(new Set(CREDENTIAL_SCOPES));
  const grantable = grantableScopes(admin);
  const scopes = grantable.filter((scope) => !unticked.has(scope));
  const toggle = (scope: Scope, on: boolean) =>
    setUnticked((previous) => {
      const next = new Set(previous);
      if (on) next.delete(scope);
      else next.add(scope);
      return next;
    });
  const [pending, setPending] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const missingName = submitted && !name.trim();

  const noScope = scopes.length === 0;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!name.trim() || scopes.length === 0) return;
    setPending(true);
    setActionError(null);
    try {
      setCreated(await onCreate({ name: name.trim(), scopes, ...(days > 0 ? { expiresInDays: days } : {}) }));
      setName('');
      setUnticked(new Set());
      setSubmitted(false);
    } catch (err) {
      setActionError(err);
    } finally {
      setPending(false);
    }
  };
  const revoke = async (token: Token) => {
    setRevoking(null);
    setActionError(null);
    try {
      await onRevoke(token);
      if (created?.id === token.id) setCreated(null);
    } catch (err) {
      setActionError(err);
    }
  };

  return (
    <Box component="section" aria-labelledby="tokens-title">
      <Typography variant="h2" id="tokens-title">
        {t.settings.tokens}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t.settings.tokensHelp}
      </Typography>
      <Box component="form" onSubmit={submit} noValidate sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start', mb: 2 }}>
        <TextField
          label={t.settings.tokenName}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          error={missingName}
          helperText={missingName ? t.login.required : undefined}
          slotProps={{ htmlInput: { maxLength: 64 } }}
          sx={{ minWidth: 220, flex: '1 1 220px', maxWidth: 360 }}
        />
        <FormControl sx={{ minWidth: 160 }}>
          <InputLabel id={expiryId}>{t.settings.expiry}</InputLabel>
          <Select labelId={expiryId} label={t.settings.expiry} value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {EXPIRY_DAYS.map((d) => (
              <MenuItem key={d} value={d}>
                {d === 0 ? t.settings.neverExpires : t.settings.expiresIn(d)}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <FormControl component="fieldset" error={noScope} sx={{ flexBasis: '100%' }}>
          <FormLabel component="legend">{t.settings.scopes}</FormLabel>
          <FormGroup>
            {grantable.map((scope) => (
              <FormControlLabel
                key={scope}
                control={<Checkbox size="small" checked={!unticked.has(scope)} onChange={(e) => toggle(scope, e.target.checked)} />}
                label={
                  <>
                    <Box component="code" sx={{ fontWeight: 600 }}>
                      {scope}
                    </Box>
                    <Typography component="span" variant="body2" color="text.secondary">
                      {' — '}
                      {t.settings.scopeDescriptions[scope]}
                    </Typography>
                  </>
                }
              />
            ))}
          </FormGroup>
          {noScope && <FormHelperText>{t.settings.noScope}</FormHelperText>}
        </FormControl>
        <Button type="submit" variant="contained" size="large" disabled={pending || scopes.length === 0}>
          {t.settings.createToken}
        </Button>
      </Box>
      {created && (
        <Box sx={{ mb: 2 }}>
          <SecretOnce message={t.settings.tokenShownOnce} secret={created.token} label={t.settings.newToken} onClose={() => setCreated(null)} />
        </Box>
      )}
      <DataTable
        rows={tokens}
        error={error}
        onRetry={onRetry}
        empty={t.settings.noTokens}
        actionError={actionError}
        actionErrorGap={2}
        labelledBy="tokens-title"
        columns={[
          { label: t.settings.name },
          { label: t.settings.scopes, sx: wide },
          { label: t.settings.created, sx: wide },
          { label: t.settings.expires },
          { label: t.settings.lastUsed, sx: wide },
          { label: t.home.actions, align: 'right' },
        ]}
        renderRow={(token) => (
          <TableRow key={token.id} hover>
            <TableCell component="th" scope="row" sx={{ fontWeight: 600 }}>
              <OneLineName name={token.name} />
            </TableCell>
            <TableCell sx={wide}>
              <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }}>
                {token.scopes.map((scope) => (
                  <Chip key={scope} size="small" variant="outlined" label={scope} sx={{ fontFamily: 'monospace' }} />
                ))}
              </Box>
            </TableCell>
            <TableCell sx={wide}>
              <RelativeTime at={token.createdAt} />
            </TableCell>
            <TableCell>{token.expiresAt ? <RelativeTime at={token.expiresAt} future /> : t.settings.neverExpires}</TableCell>
            <TableCell sx={wide}>
              <LastUsed at={token.lastUsedAt} from={token.lastUsedFrom} />
            </TableCell>
            <TableCell align="right">
              <Button size="small" color="error" variant="outlined" aria-label={t.settings.revokeLabel(token.name)} onClick={() => setRevoking(token)}>
                {t.settings.revoke}
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
      <ConfirmDialog
        open={revoking !== null}
        title={t.settings.revokeTitle(revoking?.name ?? '')}
        body={t.settings.revokeBody}
        confirmLabel={t.settings.revoke}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && void revoke(revoking)}
      />
    </Box>
  );
}
