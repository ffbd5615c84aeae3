/**
 * A list shown as a table: above it the alert for an action on its rows that failed, then what
 * Loaded picks (the load's error with Retry, the skeleton, the empty state) or the table itself,
 * its head from the columns and a row per item from renderRow.
 */
import Box from '@mui/material/Box';
import type { SxProps, Theme } from '@mui/material/styles';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import type { ReactNode } from 'react';
import { EmptyState, ErrorState, Loaded } from './States';

export interface DataTableColumn {
  label: ReactNode;
  /** For the head cell; a column that gives way on a phone hides here as in its rows. */
  sx?: SxProps<Theme>;
  align?: 'right';
}

export interface DataTableProps<T> {
  columns: readonly DataTableColumn[];
  /** Undefined until the list has come (Loaded then shows the skeleton, or `error`). */
  rows: readonly T[] | undefined;
  /** One TableRow, with its key. */
  renderRow(row: T): ReactNode;
  /** The table's name: the id of the heading that names it, or else the text. */
  labelledBy?: string;
  label?: string;
  /** Why the list could not be fetched; shown with Retry while nothing ever came. */
  error?: unknown;
  onRetry?(): void;
  /** The empty state's title for no rows; without it no rows is a table of its head alone. */
  empty?: string;
  /** Why the last action on a row failed, above the table. */
  actionError?: unknown;
  /** The space under that alert, in theme spacing units. */
  actionErrorGap?: number;
}

export function DataTable<T>({ columns, rows, renderRow, labelledBy, label, error, onRetry, empty, actionError, actionErrorGap = 1 }: DataTableProps<T>) {
  return (
    <>
      {actionError !== null && actionError !== undefined && (
        <Box sx={{ mb: actionErrorGap }}>
          <ErrorState error={actionError} />
        </Box>
      )}
      <Loaded data={rows} error={error} onRetry={onRetry} empty={empty !== undefined && <EmptyState title={empty} />} isEmpty={(list) => empty !== undefined && list.length === 0}>
        {(list) => (
          <TableContainer>
            <Table size="small" aria-labelledby={labelledBy} aria-label={label}>
              <TableHead>
                <TableRow>
                  {columns.map((column, i) => (
                    <TableCell key={i} sx={column.sx} align={column.align}>
                      {column.label}
                    </TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>{list.map(renderRow)}</TableBody>
            </Table>
          </TableContainer>
        )}
      </Loaded>
    </>
  );
}
