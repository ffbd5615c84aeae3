/** Every live sandbox on the hub, with a Stop for each (after a confirmation). */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { Sandbox } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable } from '../../components/DataTable';
import { RelativeTime } from '../../components/RelativeTime';
import { OneLineName } from '../../components/OneLineName';
import { StateChip } from '../../components/StateChip';
import { useI18n } from '../../i18n/I18nProvider';
import { describeResources } from '../../utils/resources';
import { canStop } from '../Home/sandboxList';

const wide = { display: { xs: 'none', md: 'table-cell' } } as const;

export interface SandboxesSectionProps {
  sandboxes: Sandbox[] | undefined;
  /** Live sandboxes in all; more than `sandboxes` holds when they are more than a page. */
  total?: number;
  error: unknown;
  onRetry(): void;
  busyIds: ReadonlySet<string>;
  stopError: unknown;
  onStop(sandbox: Sandbox): void;
}

export function SandboxesSection({ sandboxes, total, error, onRetry, busyIds, stopError, onStop }: SandboxesSectionProps) {
  const { t, locale } = useI18n();
  const [confirming, setConfirming] = useState<Sandbox | null>(null);
  return (
    <Box component="section" aria-labelledby="all-sandboxes-title">
      <Typography variant="h2" id="all-sandboxes-title" sx={{ mb: 1 }}>
        {t.admin.allSandboxes}
      </Typography>
      {sandboxes !== undefined && total !== undefined && total > sandboxes.length && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {t.admin.sandboxesShown(sandboxes.length, total)}
        </Typography>
      )}
      <DataTable
        rows={sandboxes}
        error={error}
        onRetry={onRetry}
        empty={t.admin.noSandboxes}
        actionError={stopError}
        labelledBy="all-sandboxes-title"
        columns={[
          { label: t.admin.sandbox },
          { label: t.home.state },
          { label: t.home.machine, sx: wide },
          { label: t.home.resources, sx: wide },
          { label: t.home.since, sx: wide },
          { label: t.home.actions, align: 'right' },
        ]}
        renderRow={(s) => (
          <TableRow key={s.id} hover>
            <TableCell component="th" scope="row" sx={{ fontWeight: 600 }}>
              <OneLineName name={`${s.user}/${s.name}`} />
            </TableCell>
            <TableCell>
              <StateChip state={s.state} />
            </TableCell>
            <TableCell sx={wide}>{s.machine}</TableCell>
            <TableCell sx={{ ...wide, whiteSpace: 'nowrap' }}>{describeResources(t, locale, { cpus: s.cpus, memoryGiB: s.memoryGiB, gpus: s.gpus.length })}</TableCell>
            <TableCell sx={wide}>{s.startedAt ? <RelativeTime at={s.startedAt} /> : t.home.notYet}</TableCell>
            <TableCell align="right">
              {canStop(s) && (
                <Button
                  size="small"
                  color="error"
                  variant="outlined"
                  disabled={busyIds.has(s.id)}
                  aria-label={t.home.stopLabel(`${s.user}/${s.name}`)}
                  onClick={() => setConfirming(s)}
                >
                  {t.home.stop}
                </Button>
              )}
            </TableCell>
          </TableRow>
        )}
      />
      <ConfirmDialog
        open={confirming !== null}
        title={t.admin.stopTitle(confirming?.user ?? '', confirming?.name ?? '')}
        body={t.admin.stopBody}
        confirmLabel={t.home.stop}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          if (confirming) onStop(confirming);
          setConfirming(null);
        }}
      />
    </Box>
  );
}
