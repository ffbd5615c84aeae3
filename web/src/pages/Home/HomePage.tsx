/**
 * Loads what home shows, launches, stops and relaunches, and follows the launch under way; saves
 * a sandbox as an environment and follows that save; shares and deletes saved environments. A
 * launch from the form and a relaunch from a row are separate mutations, so that each refusal is
 * shown where it was asked for: under the form, or on the sandbox's row.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { datasets as datasetsQuery } from '../../api/queries/datasets';
import { deleteEnvironment, environments as environmentsQuery, saveEnvironment, shareEnvironment } from '../../api/queries/environments';
import { images as imagesQuery } from '../../api/queries/images';
import { machines as machinesQuery } from '../../api/queries/machines';
import { me as meQuery } from '../../api/queries/me';
import { storage as storageQuery } from '../../api/queries/storage';
import { keepSandbox, launchSandbox, mySandboxes, relaunchRequest, stopSandbox } from '../../api/queries/sandboxes';
import { useSaveEvents } from '../../api/saveEvents';
import { useSandboxEvents } from '../../api/sandboxEvents';
import type { Environment, LaunchRequest, Sandbox, SaveRequest, SaveStarted } from '../../api/types';
import { LoadingState } from '../../components/States';
import { useBusy } from '../../utils/useBusy';
import { HomePageView } from './HomePageView';

export function HomePage() {
  const queryClient = useQueryClient();
  const me = useQuery(meQuery());
  const sandboxes = useQuery(mySandboxes());
  const images = useQuery(imagesQuery());
  const datasets = useQuery(datasetsQuery());
  const machines = useQuery(machinesQuery());
  const storage = useQuery(storageQuery());
  const launch = useMutation(launchSandbox(queryClient));
  const relaunch = useMutation(launchSandbox(queryClient));
  const [relaunchErrors, setRelaunchErrors] = useState<ReadonlyMap<string, unknown>>(new Map());
  const stop = useMutation(stopSandbox(queryClient));
  const keep = useMutation(keepSandbox(queryClient));
  const [launched, setLaunched] = useState<Sandbox | null>(null);
  const [busy, withBusy] = useBusy();
  const stream = useSandboxEvents(launched?.id ?? null);
  const environments = useQuery(environmentsQuery());
  const save = useMutation(saveEnvironment());
  const share = useMutation(shareEnvironment(queryClient));
  const remove = useMutation(deleteEnvironment(queryClient));
  const [saving, setSaving] = useState<{ sandbox: Sandbox; started: SaveStarted } | null>(null);
  const saveStream = useSaveEvents(saving?.started ?? null);
  const [environmentsBusy, withEnvironmentBusy] = useBusy();
  const [environmentError, setEnvironmentError] = useState<unknown>(null);

  const setRelaunchError = (id: string, error: unknown) =>
    setRelaunchErrors((previous) => {
      const next = new Map(previous);
      if (error === undefined) next.delete(id);
      else next.set(id, error);
      return next;
    });

  const startLaunch = (request: LaunchRequest) => {
    void launch.mutateAsync(request).then(setLaunched, () => undefined);
  };

  const startRelaunch = (from: Sandbox) => {
    setRelaunchError(from.id, undefined);
    const work = relaunch.mutateAsync(relaunchRequest(from)).then(setLaunched, (error: unknown) => setRelaunchError(from.id, error));
    withBusy(from.id, work);
  };

  const startSave = async (sandbox: Sandbox, request: SaveRequest) => {
    const started = await save.mutateAsync({ sandbox, request });
    setSaving({ sandbox, started });
  };

  const changeEnvironment = (environment: Environment, work: () => Promise<unknown>) => {
    setEnvironmentError(null);
    withEnvironmentBusy(environment.id, work().catch(setEnvironmentError));
  };

  if (!me.data) return <LoadingState />;
  return (
    <HomePageView
      me={me.data}
      sandboxes={sandboxes.data}
      sandboxesError={sandboxes.error}
      onRetrySandboxes={() => void sandboxes.refetch()}
      images={images.data}
      imagesError={images.error}
      datasets={datasets.data}
      machines={machines.data}
      launchPending={launch.isPending}
      launchError={launch.error}
      onLaunch={(request) => startLaunch(request)}
      busyIds={busy}
      stopError={stop.error}
      onStop={(sandbox) => withBusy(sandbox.id, stop.mutateAsync(sandbox).catch(() => undefined))}
      onRelaunch={startRelaunch}
      keepError={keep.error}
      onKeep={(sandbox) => withBusy(sandbox.id, keep.mutateAsync(sandbox).catch(() => undefined))}
      relaunchErrors={relaunchErrors}
      launch={launched ? { sandbox: launched, events: stream.events, lost: stream.lost } : null}
      onDismissLaunch={() => {
        setLaunched(null);
        launch.reset();
      }}
      homes={storage.data?.homes}
      saving={{
        onSave: startSave,
        underWay: saving && { ...saving, events: saveStream.events, finished: saveStream.finished, lost: saveStream.lost },
        onDismiss: () => setSaving(null),
      }}
      environments={{
        list: environments.data,
        busyIds: environmentsBusy,
        error: environmentError,
        onShare: (environment, shared) => changeEnvironment(environment, () => share.mutateAsync({ environment, shared })),
        onDelete: (environment) => changeEnvironment(environment, () => remove.mutateAsync(environment)),
      }}
    />
  );
}
