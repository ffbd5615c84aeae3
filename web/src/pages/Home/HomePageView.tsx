/** Home: my sandboxes, the launch form, and the progress of the launch under way. */
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';
import type { Dataset, HomesStorage, Image, LaunchRequest, Machine, Me, Sandbox, SandboxEvent } from '../../api/types';
import { HomesStorageView } from '../../components/HomesStorage';
import { HomeUsage, overQuota } from '../../components/HomeUsage';
import { IdleStopBanner } from '../../components/IdleStopBanner';
import { EmptyState, ErrorState, LoadingState } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { LaunchForm } from './LaunchForm';
import { LaunchProgress } from './LaunchProgress';
import { isLive, sandboxesToList } from './sandboxList';
import { SandboxTable } from './SandboxTable';

export interface LaunchUnderWay {
  sandbox: Sandbox;
  events: SandboxEvent[];
  lost: boolean;
}

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
}

export function HomePageView(props: HomePageViewProps) {
  const { t } = useI18n();
  const { me, sandboxes, sandboxesError, images, imagesError, machines, launch } = props;
  const listed = sandboxes ? sandboxesToList(sandboxes) : undefined;

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
            <SandboxTable sandboxes={listed} busyIds={props.busyIds} onStop={props.onStop} onRelaunch={props.onRelaunch} relaunchErrors={props.relaunchErrors} />
          )}
        </CardContent>
      </Card>

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
    </>
  );
}
