/**
 * The machines and their samples over the last hour, each polled every few seconds while the
 * page is open and the tab visible (the samples only for what is new since the last poll). A
 * poll's answer renders as deferred work that React interrupts for input, so a large fleet's
 * refresh never holds up a click or a scroll.
 */
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue } from 'react';
import { machineHistory, machines } from '../../api/queries/machines';
import { MachinesPageView } from './MachinesPageView';

export function MachinesPage() {
  const query = useQuery(machines());
  // Its failure shows no error of its own: the charts keep the samples they have, and the list's
  // own poll (or the hub-unreachable banner) says when the hub does not answer.
  const history = useQuery(machineHistory());
  const shown = useDeferredValue(query.data);
  const shownHistory = useDeferredValue(history.data?.byMachine);
  return <MachinesPageView machines={shown} history={shownHistory} error={query.error} onRetry={() => void query.refetch()} />;
}
