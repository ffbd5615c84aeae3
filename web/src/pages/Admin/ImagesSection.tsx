/**
 * The catalogue's images for admins: a button per image that pulls it to every machine, and under
 * each image its latest pull to each machine as it goes (queued, pulling with how much of how
 * much, pulled, or failed with the registry's or the engine's reason).
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { Image, ImagePull } from '../../api/types';
import { DataTable } from '../../components/DataTable';
import { OneLineName } from '../../components/OneLineName';
import { RelativeTime } from '../../components/RelativeTime';
import { useI18n } from '../../i18n/I18nProvider';
import { formatBytes } from '../../utils/format';

export interface ImagesSectionProps {
  images: Image[] | undefined;
  error: unknown;
  onRetry(): void;
  /** The latest state of each pull the hub has told of (useImagePulls). */
  pulls: readonly ImagePull[];
  /** The pulls' stream was given up: what is shown may be stale. */
  pullsLost: boolean;
  /** Images whose pull request is on its way. */
  asking: ReadonlySet<string>;
  /** Why the last pull request was refused, if it was. */
  pullError: unknown;
  onPull(image: Image): void;
}

/** Each image's latest pull to each machine: a newer pull of the same image to a machine replaces the older. */
export function latestPulls(pulls: readonly ImagePull[]): Map<string, ImagePull[]> {
  const latest = new Map<string, ImagePull>();
  for (const pull of pulls) {
    const key = `${pull.image}\n${pull.machine}`;
    const before = latest.get(key);
    if (!before || before.queuedAt <= pull.queuedAt) latest.set(key, pull);
  }
  const byImage = new Map<string, ImagePull[]>();
  for (const pull of latest.values()) byImage.set(pull.image, [...(byImage.get(pull.image) ?? []), pull]);
  for (const list of byImage.values()) list.sort((a, b) => a.machine.localeCompare(b.machine));
  return byImage;
}

function PullRow({ pull }: { pull: ImagePull }) {
  const { t, locale } = useI18n();
  const bytes = pull.bytesDone === null ? null : t.imagePulls.bytes(formatBytes(pull.bytesDone, locale), pull.bytesTotal === null ? null : formatBytes(pull.bytesTotal, locale));
  return (
    <Box component="li" sx={{ listStyle: 'none', py: 0.5 }}>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', justifyContent: 'space-between', gap: 1 }}>
        <Typography variant="body2" component="span" sx={{ fontWeight: 500 }}>
          {pull.machine}
        </Typography>
        <Typography variant="body2" component="span" color={pull.state === 'failed' ? 'error' : 'text.secondary'}>
          {t.imagePulls.states[pull.state]}
          {pull.state === 'pulling' && bytes && ` · ${bytes}`}
          {pull.trigger === 'prePull' && ` · ${t.imagePulls.prePull}`}
          {pull.endedAt && (
            <>
              {' · '}
              <RelativeTime at={pull.endedAt} />
            </>
          )}
        </Typography>
      </Box>
      {(pull.state === 'queued' || pull.state === 'pulling') && (
        <LinearProgress
          aria-label={t.imagePulls.progressLabel(pull.image, pull.machine)}
          variant={pull.percent === null ? 'indeterminate' : 'determinate'}
          value={pull.percent ?? undefined}
          sx={{ mt: 0.5 }}
        />
      )}
      {pull.state === 'failed' && pull.reason && (
        <Typography variant="caption" component="p" color="error" sx={{ overflowWrap: 'anywhere' }}>
          {pull.reason}
        </Typography>
      )}
    </Box>
  );
}

export function ImagesSection({ images, error, onRetry, pulls, pullsLost, asking, pullError, onPull }: ImagesSectionProps) {
  const { t } = useI18n();
  const byImage = latestPulls(pulls);
  return (
    <Box component="section" aria-labelledby="images-title">
      <Typography variant="h2" id="images-title" sx={{ mb: 0.5 }}>
        {t.imagePulls.title}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {t.imagePulls.help}
      </Typography>
      {pullsLost && (
        <Alert severity="warning" sx={{ mb: 1 }}>
          {t.imagePulls.lost}
        </Alert>
      )}
      <DataTable
        rows={images}
        error={error}
        onRetry={onRetry}
        empty={t.imagePulls.empty}
        actionError={pullError}
        labelledBy="images-title"
        columns={[{ label: t.imagePulls.image }, { label: t.imagePulls.machines }, { label: t.home.actions, align: 'right' }]}
        renderRow={(image) => {
          const machines = byImage.get(image.name) ?? [];
          return (
            <TableRow key={image.name}>
              <TableCell component="th" scope="row" sx={{ verticalAlign: 'top', maxWidth: 240 }}>
                <Typography variant="body2" sx={{ fontWeight: 600 }}>
                  <OneLineName name={image.name} />
                </Typography>
                <Typography variant="caption" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                  {image.source === 'registry' ? t.imagePulls.fromRegistry : image.image}
                </Typography>
              </TableCell>
              <TableCell sx={{ verticalAlign: 'top', minWidth: 220 }}>
                {machines.length === 0 ? (
                  <Typography variant="body2" color="text.secondary">
                    {t.imagePulls.notPulled}
                  </Typography>
                ) : (
                  <Box component="ul" sx={{ m: 0, p: 0 }} aria-label={image.name}>
                    {machines.map((pull) => (
                      <PullRow key={pull.id} pull={pull} />
                    ))}
                  </Box>
                )}
              </TableCell>
              <TableCell align="right" sx={{ verticalAlign: 'top' }}>
                <Button
                  size="small"
                  variant="outlined"
                  disabled={asking.has(image.name)}
                  aria-label={t.imagePulls.pullAllLabel(image.name)}
                  onClick={() => onPull(image)}
                >
                  {t.imagePulls.pullAll}
                </Button>
              </TableCell>
            </TableRow>
          );
        }}
      />
    </Box>
  );
}
