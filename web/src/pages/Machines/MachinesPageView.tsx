/** Every machine as a card, with a one-line summary of what is up and which GPUs are free. */
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';
import type { Machine, MachineSample } from '../../api/types';
import { EmptyState, Loaded } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { MachineCard } from './MachineCard';
import { MachineGrid } from './MachineGrid';

/** One empty list for every machine without samples, so their cards' props stay the same. */
const NO_SAMPLES: readonly MachineSample[] = [];

export interface MachinesPageViewProps {
  machines: Machine[] | undefined;
  /** Each machine's samples by its name (GET /api/machines/history, kept by mergeHistory); none while not yet fetched. */
  history?: ReadonlyMap<string, readonly MachineSample[]> | undefined;
  /** A failed poll while the last answer is still shown is not an error on the page. */
  error: unknown;
  onRetry(): void;
}

export function MachinesPageView({ machines, history, error, onRetry }: MachinesPageViewProps) {
  const { t } = useI18n();
  const up = machines?.filter((m) => m.status === 'up').length ?? 0;
  const gpus = machines?.flatMap((m) => m.gpus) ?? [];
  // The hub's count of what a launch could still get: zero on a machine that does not answer.
  const freeGpus = machines?.reduce((sum, m) => sum + m.free.gpus, 0) ?? 0;

  return (
    <>
      <Box sx={{ display: 'flex', alignItems: 'baseline', justifyContent: 'space-between', flexWrap: 'wrap', gap: 1, mb: 2 }}>
        <Typography variant="h1">{t.machines.title}</Typography>
        {machines && machines.length > 0 && (
          <Typography variant="body2" color="text.secondary" role="status">
            {t.machines.summary(up, machines.length)}
            {gpus.length > 0 && ` · ${t.machines.gpuSummary(freeGpus, gpus.length)}`}
          </Typography>
        )}
      </Box>
      <Loaded
        data={machines}
        error={error}
        onRetry={onRetry}
        loadingRows={4}
        empty={
          <Card>
            <CardContent>
              <EmptyState title={t.machines.empty} />
            </CardContent>
          </Card>
        }
      >
        {(machines) => (
          <MachineGrid>
            {machines.map((machine) => (
              <MachineCard key={machine.name} machine={machine} history={history?.get(machine.name) ?? NO_SAMPLES} />
            ))}
          </MachineGrid>
        )}
      </Loaded>
    </>
  );
}
