/**
 * Home: my sandboxes (a running one can be saved as an environment, with the save's progress),
 * my saved environments, the launch form, and the progress of the launch under way.
 */
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { Dataset, Environment, HomesStorage, Image, LaunchRequest, Machine, Me, Sandbox, SandboxEvent, SaveRequest } from '../../api/types';
import { HomesStorageView } from '../../components/HomesStorage';
import { HomeUsage, overQuota } from '../../components/HomeUsage';
import { IdleStopBanner } from '../../components/IdleStopBanner';
import { EmptyState, ErrorState, LoadingState } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { EnvironmentList, type EnvironmentListProps } from './EnvironmentList';
import { LaunchForm } from './LaunchForm';
import { LaunchProgress } from './LaunchProgress';
import { isLive, sandboxesToList } from './sandboxList';
import { SandboxTable } from './SandboxTable';
import { SaveEnvironmentDialog } from './SaveEnvironmentDialog';
import { SaveProgress, type SaveUnderWay } from './SaveProgress';

export interface LaunchUnderWay {
  sandbox: Sandbox;
  events: SandboxEvent[];
  lost: boolean;
}

/** Saving a running sandbox of mine as an environment. */
export interface SavingProps {
  /** Starts the save; rejects with the hub's refusal, which the dialog shows. */
  onSave(sandbox: Sandbox, request: SaveRequest): Promise<unknown>;
  /** The save started from here, under way or just ended. */
  underWay: SaveUnderWay | null;
  onDismiss(): void;
}

/** The saved environments I may launch (mine and shared ones; undefined while loading), and changing mine. */
export type MyEnvironmentsProps = Omit<EnvironmentListProps, 'environments'> & { list: Environment[] | undefined };

export interface HomePageViewProps {
  me: Me;
  sandboxes: Sandbox[] | undefined;
  sandboxesError: unknown;
  onRetrySandboxes(): void;
  images: Image[] | undefined;
  imagesError: unknown;
  /** The shared datasets my sandboxes get; undefined while loading or unavailable. */
  datasets?: readonly Dataset[];
  machines: Machine[] | undefined;
  launchPending: boolean;
  /** Why the last launch from the form was refused (a relaunch's error is on its row). */
  launchError: unknown;
  onLaunch(request: LaunchRequest): void;
  busyIds: ReadonlySet<string>;
  onStop(sandbox: Sandbox): void;
  /** Why the last stop did not happen. */
  stopError: unknown;
  onRelaunch(sandbox: Sandbox): void;
  /** Keep it running, from the banner of a sandbox about to be stopped. */
  onKeep(sandbox: Pick<Sandbox, 'id' | 'name'>): void;
  /** Why the last Keep it running did not happen. */
  keepError?: unknown;
  /** Why the last relaunch of a sandbox (by id) was refused. */
  relaunchErrors: ReadonlyMap<string, unknown>;
  launch: LaunchUnderWay | null;
  onDismissLaunch(): void;
  /** The homes filesystem, once read: launches are refused while it is full. */
  homes?: HomesStorage | undefined;
  /** Without it, sandboxes offer no Save environment. */
  saving?: SavingProps;
  environments?: MyEnvironmentsProps;
}

export function HomePageView(props: HomePageViewProps) {
  const { t } = useI18n();
  const { me, sandboxes, sandboxesError, images, imagesError, machines, launch, saving, environments } = props;
  const listed = sandboxes ? sandboxesToList(sandboxes) : undefined;
  const [saveDialogFor, setSaveDialogFor] = useState<Sandbox | null>(null);
  const save = saving?.underWay ?? null;
  const mine = environments?.list?.filter((e) => e.owner === me.user.username);

  return (
    <>
      <Typography variant="h1" sx={{ mb: 2 }}>
        {t.home.title}
      </Typography>
      {(me.user.homeBytes !== null || me.user.quotaBytes !== null) && (
        <Card sx={{ mb: 3 }} component="section" aria-label={t.home.disk}>
          <CardContent>
            <HomeUsage user={me.user} own />
          </CardContent>
        </Card>
      )}
      <Card sx={{ mb: 3 }}>
        <CardContent>
          {props.stopError !== null && props.stopError !== undefined && (
            <Box sx={{ mb: 2 }}>
              <ErrorState error={props.stopError} />
            </Box>
          )}
          {props.keepError !== null && props.keepError !== undefined && (
            <Box sx={{ mb: 2 }}>
              <ErrorState error={props.keepError} />
            </Box>
          )}
          {listed
            ?.filter((s) => s.state === 'running' && s.idleStop)
            .map((s) => <IdleStopBanner key={s.id} sandbox={s} busy={props.busyIds.has(s.id)} onKeep={props.onKeep} />)}
          {listed === undefined && sandboxesError ? (
            <ErrorState error={sandboxesError} onRetry={props.onRetrySandboxes} />
          ) : listed === undefined ? (
            <LoadingState rows={2} />
          ) : listed.length === 0 ? (
            <EmptyState title={t.home.empty} hint={t.home.emptyHint} />
          ) : (
            <SandboxTable
              sandboxes={listed}
              busyIds={props.busyIds}
              onStop={props.onStop}
              onRelaunch={props.onRelaunch}
              relaunchErrors={props.relaunchErrors}
              onSave={saving ? setSaveDialogFor : undefined}
              savingIds={save && !save.finished ? new Set([save.sandbox.id]) : undefined}
            />
          )}
        </CardContent>
      </Card>

      {saving && save && <SaveProgress save={save} onDismiss={saving.onDismiss} />}

      {environments && mine && mine.length > 0 && (
        <Card sx={{ mb: 3 }} component="section" aria-labelledby="environments-title">
          <CardContent>
            <Typography variant="h2" id="environments-title">
              {t.environments.title}
            </Typography>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
              {t.environments.help}
            </Typography>
            <EnvironmentList environments={mine} busyIds={environments.busyIds} error={environments.error} onShare={environments.onShare} onDelete={environments.onDelete} />
          </CardContent>
        </Card>
      )}

      <Card sx={{ mb: 3 }} component="section" aria-labelledby="launch-title">
        <CardContent>
          <Typography variant="h2" id="launch-title" sx={{ mb: 2 }}>
            {t.launch.title}
          </Typography>
          {props.homes && (
            <Box sx={{ mb: 2 }}>
              <HomesStorageView homes={props.homes} />
            </Box>
          )}
          {images === undefined && imagesError ? (
            <ErrorState error={imagesError} />
          ) : images === undefined ? (
            <LoadingState rows={3} />
          ) : (
            <LaunchForm
              username={me.user.username}
              limits={me.limits}
              images={images}
              machines={machines}
              takenNames={sandboxes?.filter(isLive).map((s) => s.name)}
              datasets={props.datasets}
              blocked={overQuota(me.user) ? t.home.launchBlocked : undefined}
              pending={props.launchPending}
              error={props.launchError}
              onLaunch={props.onLaunch}
            />
          )}
        </CardContent>
      </Card>

      {launch && <LaunchProgress sandbox={launch.sandbox} events={launch.events} lost={launch.lost} onDismiss={props.onDismissLaunch} />}

      {saving && (
        <SaveEnvironmentDialog sandbox={saveDialogFor} takenNames={mine?.map((e) => e.name)} onClose={() => setSaveDialogFor(null)} onSave={saving.onSave} />
      )}
    </>
  );
}
