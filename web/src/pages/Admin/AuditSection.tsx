/** The audit log: who did what to what, from where, with what result; filtered, newest first, "Older" for more. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import FormControl from '@mui/material/FormControl';
import InputLabel from '@mui/material/InputLabel';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, AUDIT_RESULTS, type AuditFilters } from '../../api/queries/audit';
import type { AuditEntryView } from '../../api/types';
import { useNow } from '../../components/now';
import { EmptyState, ErrorState, Loaded } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { formatDateTime, formatPast } from '../../utils/format';
import { OlderButton } from '../../components/OlderButton';
import { OneLineName } from '../../components/OneLineName';

export interface AuditSectionProps {
  filters: AuditFilters;
  onFilter(filters: AuditFilters): void;
  /** Every page loaded so far, newest first; undefined until the first one arrives. */
  entries: AuditEntryView[] | undefined;
  error: unknown;
  onRetry(): void;
  hasOlder: boolean;
  loadingOlder: boolean;
  onOlder(): void;
}

const RESULT_COLOURS = { ok: 'success', refused: 'warning', failed: 'error' } as const;

const wide = { display: { xs: 'none', md: 'table-cell' } } as const;
const notNarrow = { display: { xs: 'none', sm: 'table-cell' } } as const;

/** Details as `key=value` pairs; strings as they are, anything else as compact JSON. */
export function formatDetails(details: AuditEntryView['details']): string {
  if (!details) return '';
  return Object.entries(details)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

/** Drops empty filters, so that "nothing typed" and "no filter" are the same query. */
const compact = (filters: AuditFilters): AuditFilters =>
  Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined && value !== ''));

const isResult = (value: string): value is AuditEntryView['result'] => (AUDIT_RESULTS as readonly string[]).includes(value);

export function AuditSection({ filters, onFilter, entries, error, onRetry, hasOlder, loadingOlder, onOlder }: AuditSectionProps) {
  const { t, locale } = useI18n();
  const now = useNow();
  const actionId = useId();
  const resultId = useId();
  const [actor, setActor] = useState(filters.actor ?? '');
  const filtered = Object.keys(compact(filters)).length > 0;

  const apply = (changes: AuditFilters) => onFilter(compact({ ...filters, actor: actor.trim(), ...changes }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply({});
  };
  const clear = () => {
    setActor('');
    onFilter({});
  };

  return (
    <Box component="section" aria-labelledby="audit-title">
      <Typography variant="h2" id="audit-title">
        {t.admin.audit}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t.admin.auditHelp}
      </Typography>
      <Box
        component="form"
        role="search"
        aria-label={t.admin.auditFilters}
        onSubmit={submit}
        sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center', mb: 2 }}
      >
        <TextField
          label={t.admin.actor}
          size="small"
          value={actor}
          onChange={(e) => setActor(e.target.value)}
          slotProps={{ htmlInput: { maxLength: 256, autoCapitalize: 'none', spellCheck: false } }}
          sx={{ minWidth: 160, flex: '0 1 200px' }}
        />
        <FormControl size="small" sx={{ minWidth: 200 }}>
          <InputLabel id={actionId}>{t.admin.action}</InputLabel>
          <Select labelId={actionId} label={t.admin.action} value={filters.action ?? ''} onChange={(e) => apply({ action: e.target.value })}>
            <MenuItem value="">{t.admin.anyAction}</MenuItem>
            {AUDIT_ACTIONS.map((action) => (
              <MenuItem key={action} value={action} sx={{ fontFamily: 'monospace' }}>
                {action}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <FormControl size="small" sx={{ minWidth: 150 }}>
          <InputLabel id={resultId}>{t.admin.result}</InputLabel>
          <Select
            labelId={resultId}
            label={t.admin.result}
            value={filters.result ?? ''}
            onChange={(e) => apply({ result: isResult(e.target.value) ? e.target.value : undefined })}
          >
            <MenuItem value="">{t.admin.anyResult}</MenuItem>
            {AUDIT_RESULTS.map((result) => (
              <MenuItem key={result} value={result}>
                {t.admin.results[result]}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <Button type="submit" variant="outlined">
          {t.admin.filter}
        </Button>
        {(filtered || actor !== '') && <Button onClick={clear}>{t.admin.clearFilters}</Button>}
      </Box>
      <Loaded
        data={entries}
        error={error}
        onRetry={onRetry}
        empty={<EmptyState title={filtered ? t.admin.noAuditMatches : t.admin.noAudit} />}
      >
        {(entries) => (
          <>
            <TableContainer sx={{ maxHeight: 560 }}>
              <Table size="small" stickyHeader aria-labelledby="audit-title">
                <TableHead>
                  <TableRow>
                    <TableCell>{t.admin.time}</TableCell>
                    <TableCell>{t.admin.actor}</TableCell>
                    <TableCell>{t.admin.action}</TableCell>
                    <TableCell sx={notNarrow}>{t.admin.target}</TableCell>
                    <TableCell>{t.admin.result}</TableCell>
                    <TableCell sx={wide}>{t.admin.address}</TableCell>
                    <TableCell sx={wide}>{t.admin.details}</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {entries.map((entry) => (
                    <TableRow key={entry.id}>
                      <TableCell sx={{ whiteSpace: 'nowrap' }}>
                        <time dateTime={entry.at} title={formatPast(entry.at, now, locale)}>
                          {formatDateTime(entry.at, locale)}
                        </time>
                      </TableCell>
                      <TableCell sx={{ fontWeight: 500 }}>{entry.actor ? <OneLineName name={entry.actor} /> : t.common.none}</TableCell>
                      <TableCell sx={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{entry.action}</TableCell>
                      <TableCell sx={notNarrow}>{entry.target ? <OneLineName name={entry.target} /> : t.common.none}</TableCell>
                      <TableCell>
                        <Chip size="small" variant="outlined" color={RESULT_COLOURS[entry.result]} label={t.admin.results[entry.result]} />
                      </TableCell>
                      <TableCell sx={{ ...wide, fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{entry.address ?? t.common.none}</TableCell>
                      <TableCell sx={{ ...wide, fontFamily: 'monospace', fontSize: '0.8rem', maxWidth: 360, overflowWrap: 'anywhere' }}>
                        {formatDetails(entry.details)}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
            {Boolean(error) && (
              <Box sx={{ mt: 2 }}>
                <ErrorState error={error} />
              </Box>
            )}
            <OlderButton hasOlder={hasOlder} loadingOlder={loadingOlder} onOlder={onOlder} />
          </>
        )}
      </Loaded>
    </Box>
  );
}
