/**
 * Usage: per user, how many hours their sandboxes were alive and how many CPU-, GPU- and
 * memory-hours they held over a range of UTC days, each user's days one click away, and the
 * same range as a CSV download.
 */
import DownloadIcon from '@mui/icons-material/Download';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@mui/icons-material/KeyboardArrowRight';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableFooter from '@mui/material/TableFooter';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { Fragment, useMemo, useState, type FormEvent } from 'react';
import { MAX_USAGE_DAYS, rangeDays, usageCsvHref, type UsageRange } from '../../api/queries/usage';
import type { UsageDay, UsageFigures, UsageReport } from '../../api/types';
import { OneLineName } from '../../components/OneLineName';
import { EmptyState, Loaded } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { formatNumber } from '../../utils/format';

export interface UsageSectionProps {
  /** The range shown, and the one the download link fetches. */
  range: UsageRange;
  onRange(range: UsageRange): void;
  report: UsageReport | undefined;
  error: unknown;
  onRetry(): void;
}

const wide = { display: { xs: 'none', md: 'table-cell' } } as const;
const figureCell = { textAlign: 'right', fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' } as const;

function Figures({ figures, locale }: { figures: UsageFigures; locale: string }) {
  return (
    <>
      <TableCell sx={figureCell}>{formatNumber(figures.sandboxes, locale, 0)}</TableCell>
      <TableCell sx={figureCell}>{formatNumber(figures.sandboxHours, locale)}</TableCell>
      <TableCell sx={figureCell}>{formatNumber(figures.cpuHours, locale)}</TableCell>
      <TableCell sx={figureCell}>{formatNumber(figures.gpuHours, locale)}</TableCell>
      <TableCell sx={{ ...figureCell, ...wide }}>{formatNumber(figures.memoryGiBHours, locale)}</TableCell>
    </>
  );
}

/** Users per page of the usage table. */
const USAGE_PAGE_SIZE = 50;

export function UsageSection({ range, onRange, report, error, onRetry }: UsageSectionProps) {
  const { t, locale } = useI18n();
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  // A company's report can hold thousands of users: the table shows a page of them (the report
  // itself is one row per user, small beside the rows a browser can draw).
  const [shown, setShown] = useState<{ report: UsageReport | undefined; page: number }>({ report, page: 0 });
  const page = shown.report === report ? shown.page : 0;

  const asked = { from, to };
  const days = rangeDays(asked);
  const problem =
    from === '' || to === '' || Number.isNaN(days)
      ? t.usage.missingDay
      : days < 1
        ? t.usage.fromAfterTo
        : days > MAX_USAGE_DAYS
          ? t.usage.tooLong(MAX_USAGE_DAYS)
          : null;

  const daysByUser = useMemo(() => {
    const map = new Map<string, UsageDay[]>();
    for (const day of report?.days ?? []) {
      const days = map.get(day.user);
      if (days) days.push(day);
      else map.set(day.user, [day]);
    }
    return map;
  }, [report]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (problem === null) onRange(asked);
  };
  const toggle = (user: string) =>
    setOpen((previous) => {
      const next = new Set(previous);
      if (!next.delete(user)) next.add(user);
      return next;
    });

  return (
    <Box component="section" aria-labelledby="usage-title">
      <Typography variant="h2" id="usage-title">
        {t.usage.title}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t.usage.help}
      </Typography>
      <Box
        component="form"
        aria-label={t.usage.range}
        onSubmit={submit}
        noValidate
        sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start', mb: 2 }}
      >
        <TextField
          label={t.usage.from}
          type="date"
          size="small"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          error={problem !== null}
          helperText={problem ?? ' '}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <TextField
          label={t.usage.to}
          type="date"
          size="small"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          error={problem !== null}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <Button type="submit" variant="outlined" disabled={problem !== null}>
          {t.usage.show}
        </Button>
        <Button component="a" href={usageCsvHref(range)} download startIcon={<DownloadIcon />}>
          {t.usage.downloadCsv}
        </Button>
      </Box>
      <Loaded
        data={report}
        error={error}
        onRetry={onRetry}
        isEmpty={(report) => report.users.length === 0}
        empty={(report) => <EmptyState title={t.usage.nothing(report.from, report.to)} />}
      >
        {(report) => (
          <TableContainer>
            <Table size="small" aria-labelledby="usage-title">
              <TableHead>
                <TableRow>
                  <TableCell>{t.usage.user}</TableCell>
                  <TableCell sx={figureCell}>{t.usage.sandboxes}</TableCell>
                  <TableCell sx={figureCell}>{t.usage.sandboxHours}</TableCell>
                  <TableCell sx={figureCell}>{t.usage.cpuHours}</TableCell>
                  <TableCell sx={figureCell}>{t.usage.gpuHours}</TableCell>
                  <TableCell sx={{ ...figureCell, ...wide }}>{t.usage.memoryGiBHours}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {report.users.slice(page * USAGE_PAGE_SIZE, (page + 1) * USAGE_PAGE_SIZE).map((user) => {
                  const expanded = open.has(user.user);
                  return (
                    <Fragment key={user.user}>
                      <TableRow>
                        <TableCell component="th" scope="row" sx={{ fontWeight: 500, whiteSpace: 'nowrap' }}>
                          <IconButton size="small" aria-label={t.usage.daysOf(user.user)} aria-expanded={expanded} onClick={() => toggle(user.user)} sx={{ mr: 0.5 }}>
                            {expanded ? <KeyboardArrowDownIcon fontSize="small" /> : <KeyboardArrowRightIcon fontSize="small" />}
                          </IconButton>
                          <OneLineName name={user.user} />
                        </TableCell>
                        <Figures figures={user} locale={locale} />
                      </TableRow>
                      {expanded &&
                        (daysByUser.get(user.user) ?? []).map((day) => (
                          <TableRow key={day.day} sx={{ bgcolor: 'action.hover' }}>
                            <TableCell component="th" scope="row" sx={{ pl: 7, fontFamily: 'monospace', whiteSpace: 'nowrap' }}>
                              <time dateTime={day.day}>{day.day}</time>
                            </TableCell>
                            <Figures figures={day} locale={locale} />
                          </TableRow>
                        ))}
                    </Fragment>
                  );
                })}
              </TableBody>
              <TableFooter>
                <TableRow>
                  <TableCell component="th" scope="row" sx={{ fontWeight: 600 }}>
                    {t.usage.total}
                  </TableCell>
                  <Figures figures={report.total} locale={locale} />
                </TableRow>
              </TableFooter>
            </Table>
            {report.users.length > USAGE_PAGE_SIZE && (
              <TablePagination
                component="div"
                count={report.users.length}
                page={page}
                rowsPerPage={USAGE_PAGE_SIZE}
                rowsPerPageOptions={[]}
                onPageChange={(_event, next) => setShown({ report, page: next })}
                labelDisplayedRows={({ from: first, to: last, count }) => t.admin.usersShown(first, last, count)}
                getItemAriaLabel={(which) => (which === 'next' ? t.common.nextPage : t.common.previousPage)}
              />
            )}
          </TableContainer>
        )}
      </Loaded>
    </Box>
  );
}
