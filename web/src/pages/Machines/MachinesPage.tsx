/**
 * The machines, polled every few seconds while the page is open and the tab visible. A poll's
 * answer renders as deferred work that React interrupts for input, so a large fleet's refresh
 * never holds up a click or a scroll.
 */
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue } from 'react';
import { machines } from '../../api/queries/machines';
import { MachinesPageView } from './MachinesPageView';

export function MachinesPage() {
  const query = useQuery(machines());
  const shown = useDeferredValue(query.data);
  return <MachinesPageView machines={shown} error={query.error} onRetry={() => void query.refetch()} />;
}
