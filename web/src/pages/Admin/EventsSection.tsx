/** The events of all sandboxes, newest first, with Older for the page before. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { isApiError } from '../../api/client';
import type { RecentEvent } from '../../api/types';
import { RelativeTime } from '../../components/RelativeTime';
import { OlderButton } from '../../components/OlderButton';
import { OneLineName } from '../../components/OneLineName';
import { StateChip } from '../../components/StateChip';
import { EmptyState, Loaded } from '../../components/States';
import { eventText } from '../../i18n/eventText';
import { useI18n } from '../../i18n/I18nProvider';

export interface EventsSectionProps {
  /** The pages loaded so far, newest first. */
  events: RecentEvent[] | undefined;
  error: unknown;
  onRetry(): void;
  /** Whether the hub has older events than those loaded. */
  hasOlder?: boolean;
  loadingOlder?: boolean;
  onOlder?(): void;
}

/** The first line: a failure's message goes on with the container's log. */
const firstLine = (message: string) => message.split('\n')[0] ?? '';

export function EventsSection({ events, error, onRetry, hasOlder = false, loadingOlder = false, onOlder }: EventsSectionProps) {
  const { t } = useI18n();
  return (
    <Box component="section" aria-labelledby="events-title">
      <Typography variant="h2" id="events-title" sx={{ mb: 1 }}>
        {t.admin.events}
      </Typography>
      {events === undefined && isApiError(error, 'NOT_FOUND') ? (
        <Alert severity="info">{t.admin.eventsUnavailable}</Alert>
      ) : (
        <Loaded data={events} error={error} onRetry={onRetry} empty={<EmptyState title={t.admin.noEvents} />}>
          {(events) => (
            <>
              <TableContainer sx={{ maxHeight: 480 }}>
                <Table size="small" stickyHeader aria-labelledby="events-title">
                  <TableHead>
                    <TableRow>
                      <TableCell>{t.admin.when}</TableCell>
                      <TableCell>{t.admin.sandbox}</TableCell>
                      <TableCell>{t.home.state}</TableCell>
                      <TableCell sx={{ display: { xs: 'none', sm: 'table-cell' } }}>{t.admin.message}</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {events.map((e) => (
                      <TableRow key={e.id}>
                        <TableCell sx={{ whiteSpace: 'nowrap' }}>
                          <RelativeTime at={e.at} />
                        </TableCell>
                        <TableCell sx={{ fontWeight: 500 }}>
                          <OneLineName name={`${e.user}/${e.name}`} />
                        </TableCell>
                        <TableCell>
                          <StateChip state={e.state} />
                        </TableCell>
                        <TableCell sx={{ display: { xs: 'none', sm: 'table-cell' }, maxWidth: 480, overflowWrap: 'anywhere' }}>
                          {/* A pull's percentage is in its text already. */}
                          {firstLine(eventText(t, e))}
                        </TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
              {onOlder && <OlderButton hasOlder={hasOlder} loadingOlder={loadingOlder} onOlder={onOlder} />}
            </>
          )}
        </Loaded>
      )}
    </Box>
  );
}
