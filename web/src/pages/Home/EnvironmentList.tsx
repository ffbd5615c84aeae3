/**
 * My saved environments: each with its size and when it was saved, a switch that shares it with
 * everyone or takes it back, and Delete after a confirmation. They are launched from the launch
 * form, where they are listed as images.
 */
import Button from '@mui/material/Button';
import Switch from '@mui/material/Switch';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { Environment } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { OneLineName } from '../../components/OneLineName';
import { RelativeTime } from '../../components/RelativeTime';
import { useI18n } from '../../i18n/I18nProvider';
import { formatBytes } from '../../utils/format';

const wide = { display: { xs: 'none', sm: 'table-cell' } } as const;

export interface EnvironmentListProps {
  environments: readonly Environment[];
  /** Environments with a change on the way: their controls wait. */
  busyIds: ReadonlySet<string>;
  /** Why the last share or delete did not happen. */
  error: unknown;
  onShare(environment: Environment, shared: boolean): void;
  onDelete(environment: Environment): void;
}

export function EnvironmentList({ environments, busyIds, error, onShare, onDelete }: EnvironmentListProps) {
  const { t, locale } = useI18n();
  const [deleting, setDeleting] = useState<Environment | null>(null);

  return (
    <>
      <DataTable
        rows={environments}
        actionError={error}
        actionErrorGap={2}
        label={t.environments.title}
        columns={[
          { label: t.environments.name },
          { label: t.environments.size, sx: wide },
          { label: t.environments.saved, sx: wide },
          { label: t.environments.shared },
          { label: t.environments.actions, align: 'right' },
        ]}
        renderRow={(e) => (
          <TableRow key={e.id} hover>
            <TableCell component="th" scope="row">
              <Typography variant="body2" sx={{ fontWeight: 600 }}>
                <OneLineName name={e.name} />
              </Typography>
              {e.description && (
                <Typography variant="caption" color="text.secondary" sx={{ display: 'block', maxWidth: 320 }}>
                  {e.description}
                </Typography>
              )}
            </TableCell>
            <TableCell sx={{ ...wide, whiteSpace: 'nowrap' }}>{formatBytes(e.sizeBytes, locale)}</TableCell>
            <TableCell sx={{ ...wide, whiteSpace: 'nowrap' }}>
              <RelativeTime at={e.createdAt} />
            </TableCell>
            <TableCell>
              <Switch
                checked={e.shared}
                disabled={busyIds.has(e.id)}
                onChange={(event) => onShare(e, event.target.checked)}
                slotProps={{ input: { 'aria-label': t.environments.shareLabel(e.name) } }}
              />
            </TableCell>
            <TableCell align="right">
              <Button size="small" color="error" variant="outlined" disabled={busyIds.has(e.id)} aria-label={t.environments.deleteLabel(e.name)} onClick={() => setDeleting(e)}>
                {t.environments.delete}
              </Button>
            </TableCell>
          </TableRow>
        )}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={t.environments.deleteTitle(deleting?.name ?? '')}
        body={t.environments.deleteBody}
        confirmLabel={t.environments.delete}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) onDelete(deleting);
          setDeleting(null);
        }}
      />
    </>
  );
}
