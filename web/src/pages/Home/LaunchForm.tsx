/**
 * Launch my container: an image from the catalogue (saved environments among them, each saying
 * who saved it, its size and when), a size, GPUs once machines report them (no more than the
 * limit, nor than one machine has free), and a machine — any with room, or one
 * chosen (those without room say why). Only sizes that fit some machine now are offered (the
 * chosen one, when pinned), plus a custom size within the limits that must fit too; CPUs fit by
 * their request, as the hub places them. A refusal for want of room shows the hub's own words,
 * which name what is short, where the most room is and the largest size that fits.
 */
import RocketLaunchIcon from '@mui/icons-material/RocketLaunch';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import InputLabel from '@mui/material/InputLabel';
import MenuItem from '@mui/material/MenuItem';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Select from '@mui/material/Select';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { isValidName, nextFreeName } from '../../../../src/contract/names';
import { defaultCpuRequest, MIN_CPUS, MIN_MEMORY_GIB, resourceProblems } from '../../../../src/contract/resources';
import { isApiError } from '../../api/client';
import { RelativeTime } from '../../components/RelativeTime';
import type { Dataset, Environment, Image, LaunchRequest, Machine, Me } from '../../api/types';
import { errorMessage } from '../../i18n/errorMessage';
import type { Messages } from '../../i18n/en';
import { useI18n } from '../../i18n/I18nProvider';
import { formatBytes, formatNumber, roundTo } from '../../utils/format';
import { sizePresets, type PresetId } from '../../utils/presets';
import { describeResources } from '../../utils/resources';
import { LaunchDatasets } from './LaunchDatasets';
import { freeRoom, largestFitting, mostFreeGpus, totalGpus, whyNoRoom, type Need, type NoRoom } from '../../utils/room';

/** Not a valid machine name, so it cannot clash with one. */
const ANY = '*';
const CUSTOM = 'custom';
type SizeChoice = PresetId | typeof CUSTOM;

export interface LaunchFormProps {
  limits: Me['limits'];
  images: Image[];
  /** Undefined while loading or when the hub cannot list them: only "any machine" is offered. */
  machines: Machine[] | undefined;
  pending: boolean;
  error: unknown;
  onLaunch(request: LaunchRequest): void;
  /** The names of my live sandboxes, to show which name an empty one picks; undefined while unknown. */
  takenNames?: readonly string[];
  /** The shared datasets the sandbox will get; undefined while loading or when the hub cannot list them. */
  datasets?: readonly Dataset[];
  /** Why the hub would refuse any launch now (the home over its quota), shown with the button disabled. */
  blocked?: string;
  /** Who launches: their own saved environments say "you" rather than their name. */
  username?: string;
}

function reasonText(t: Messages, locale: string, reason: NoRoom): string {
  switch (reason.kind) {
    case 'down':
      return t.launch.machineDown;
    case 'notReady':
      return t.launch.machineNotReady;
    case 'cpusPerSandbox':
      return t.launchSize.perSandbox(roundTo(reason.most, 2), formatNumber(reason.most, locale, 2));
    case 'cpus':
      return t.launch.needsCpus(roundTo(reason.free, 2), formatNumber(reason.free, locale, 2));
    case 'memory':
      return t.launch.needsMemory(formatNumber(reason.free, locale, 1));
    case 'gpus':
      return t.launch.needsGpus(reason.free);
  }
}

/** "24 CPUs · 224 GiB · 1 GPU free": what a launch could still get there. */
function roomText(t: Messages, locale: string, machine: Machine): string {
  const room = freeRoom(machine);
  return t.launchRoom.machineFree(describeResources(t, locale, { cpus: room.cpus, memoryGiB: Math.floor(room.memoryGiB * 10) / 10, gpus: room.gpus }));
}

/** A saved environment in the image list: who saved it (you, or its owner), its size, and when. */
function SavedBy({ environment: e, username }: { environment: Environment; username: string | undefined }) {
  const { t, locale } = useI18n();
  return <RelativeTime at={e.createdAt} phrase={(when) => t.launch.savedEnvironment(e.owner === username ? null : e.owner, formatBytes(e.sizeBytes, locale), when)} />;
}

export function LaunchForm({ limits, images, machines, pending, error, onLaunch, takenNames, datasets, blocked, username }: LaunchFormProps) {
  const { t, locale } = useI18n();
  const ids = { image: useId(), gpus: useId(), machine: useId(), size: useId() };
  const presets = useMemo(() => sizePresets(limits), [limits]);
  const defaultImage = images.find((i) => i.default)?.name ?? images[0]?.name ?? '';
  const [image, setImage] = useState<string | null>(null);
  const [sizeChoice, setSizeChoice] = useState<SizeChoice>('standard');
  /** What was typed for a custom size; null until typed, when the suggestion shows. */
  const [customCpus, setCustomCpus] = useState<string | null>(null);
  const [customMemory, setCustomMemory] = useState<string | null>(null);
  const [gpus, setGpus] = useState(0);
  const [machine, setMachine] = useState(ANY);
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);

  const chosenImage = image ?? defaultImage;
  const pinned = machine !== ANY ? machines?.find((m) => m.name === machine) : undefined;
  // Where a size must fit: the pinned machine, or any; unknown machines (still loading, or not
  // listable) leave the hub to decide.
  const candidates = machines === undefined ? undefined : pinned ? [pinned] : machines;
  const fitsNow = (size: Omit<Need, 'gpus'>) => candidates === undefined || candidates.some((m) => whyNoRoom(m, { ...size, gpus }) === null);
  const offered = presets.filter(fitsNow);
  const largest = candidates === undefined ? null : largestFitting(candidates, gpus, limits);
  // Every machine that answers lacks the shared homes: the hub says MACHINE_NOT_READY, not "no room".
  const answering = machines?.filter((m) => m.status === 'up') ?? [];
  const noneReady = !pinned && answering.length > 0 && answering.every((m) => m.homes?.ready === false);
  // A preset that no longer fits gives way to the default, else the largest that fits, else a custom size.
  const preset =
    sizeChoice === CUSTOM ? undefined : (offered.find((p) => p.id === sizeChoice) ?? offered.find((p) => p.id === 'standard') ?? offered.at(-1));
  const suggested = {
    cpus: Math.min(limits.defaults.cpus, largest?.cpus ?? limits.defaults.cpus),
    memoryGiB: Math.min(limits.defaults.memoryGiB, largest?.memoryGiB ?? limits.defaults.memoryGiB),
  };
  const custom = { cpus: Number(customCpus ?? suggested.cpus), memoryGiB: Number(customMemory ?? suggested.memoryGiB) };
  const size = preset ?? { ...custom, cpuRequest: defaultCpuRequest(custom.cpus, limits.defaults.cpuRequestFraction) };
  const customOutOfLimits = !preset && resourceProblems({ ...custom, gpus: 0 }, limits.max).length > 0;
  const customDoesNotFit = !preset && !customOutOfLimits && !fitsNow(size);
  const need = { cpus: size.cpus, cpuRequest: size.cpuRequest, memoryGiB: size.memoryGiB, gpus };
  const freeGpus = pinned ? freeRoom(pinned).gpus : machines ? mostFreeGpus(machines) : 0;
  const gpuChoices = Math.min(limits.max.gpus, freeGpus);
  const anyGpus = machines !== undefined && totalGpus(machines) > 0 && limits.max.gpus > 0;
  const gpusNoneFree = anyGpus && gpuChoices === 0 && gpus === 0;
  const gpuHelp = !anyGpus
    ? t.launch.noGpus
    : pinned
      ? t.launchRoom.gpusOnMachine(freeRoom(pinned).gpus, pinned.name)
      : gpusNoneFree
        ? t.launchRoom.gpusNoneFree
        : freeGpus < limits.max.gpus
          ? t.launchRoom.gpusFewerFree(limits.max.gpus, freeGpus)
          : t.launch.gpusHelp(limits.max.gpus);
  const reasons = new Map((machines ?? []).map((m) => [m.name, whyNoRoom(m, need)]));
  const noRoomAnywhere = machines !== undefined && machines.length > 0 && [...reasons.values()].every((r) => r !== null);
  const chosenNoRoom = machine !== ANY ? reasons.get(machine) : null;
  const nameError = touched && name !== '' && !isValidName(name);
  const nameTaken = isApiError(error, 'SANDBOX_NAME_TAKEN');
  // The hub's own rule, so the hint names the sandbox an empty name will make.
  const picked = takenNames ? nextFreeName(takenNames) : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (name !== '' && !isValidName(name)) return;
    if (customOutOfLimits || customDoesNotFit) return;
    onLaunch({
      image: chosenImage,
      cpus: size.cpus,
      memoryGiB: size.memoryGiB,
      ...(gpus > 0 ? { gpus } : {}),
      ...(machine !== ANY ? { machine } : {}),
      ...(name !== '' ? { name } : {}),
    });
  };

  return (
    <Box component="form" onSubmit={submit} noValidate aria-label={t.launch.title}>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
        <FormControl fullWidth>
          <InputLabel id={ids.image}>{t.launch.image}</InputLabel>
          <Select
            labelId={ids.image}
            label={t.launch.image}
            value={chosenImage}
            onChange={(e) => setImage(e.target.value)}
            renderValue={(value) => {
              const chosen = images.find((i) => i.name === value);
              return chosen?.description ? `${chosen.name} — ${chosen.description}` : value;
            }}
          >
            {images.map((i) => (
              <MenuItem key={i.name} value={i.name}>
                <Box>
                  <Typography variant="body2" sx={{ fontWeight: 500 }}>
                    {i.name}
                  </Typography>
                  {i.description && (
                    <Typography variant="caption" color="text.secondary">
                      {i.description}
                    </Typography>
                  )}
                  {i.source === 'registry' && (
                    <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }}>
                      {t.launch.fromRegistry(i.sizeBytes === null ? null : formatBytes(i.sizeBytes, locale))}
                    </Typography>
                  )}
                  {i.source === 'environment' && i.environment && (
                    <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }}>
                      <SavedBy environment={i.environment} username={username} />
                    </Typography>
                  )}
                </Box>
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <TextField
          label={t.launch.name}
          value={name}
          onChange={(e) => setName(e.target.value.toLowerCase())}
          onBlur={() => setTouched(true)}
          placeholder={picked ?? 'main'}
          error={nameError || nameTaken}
          helperText={nameError ? t.launch.nameInvalid : nameTaken ? t.launch.nameTaken : picked ? t.launch.nameHelp(picked) : t.launch.nameHelpUnknown}
          slotProps={{ htmlInput: { maxLength: 32, autoCapitalize: 'none', spellCheck: false } }}
        />
      </Box>

      <FormControl component="fieldset" sx={{ mt: 2, width: '100%' }}>
        <FormLabel component="legend" id={ids.size}>
          {t.launch.size}
        </FormLabel>
        <RadioGroup
          aria-labelledby={ids.size}
          value={preset?.id ?? CUSTOM}
          onChange={(e) => setSizeChoice(offered.find((p) => p.id === e.target.value)?.id ?? CUSTOM)}
          sx={{ display: 'grid', gap: 1, gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, 1fr)', md: `repeat(${offered.length + 1}, 1fr)` }, mt: 1 }}
        >
          {[...offered.map((p) => ({ id: p.id, label: t.launch.presets[p.id], detail: describeResources(t, locale, p) })), { id: CUSTOM, label: t.launchSize.custom, detail: t.launchSize.customHelp }].map(
            (choice) => {
              const chosen = choice.id === (preset?.id ?? CUSTOM);
              return (
                <FormControlLabel
                  key={choice.id}
                  value={choice.id}
                  control={<Radio />}
                  sx={{ m: 0, pr: 1, border: 1, borderRadius: 2, borderColor: chosen ? 'primary.main' : 'divider', bgcolor: chosen ? 'action.selected' : 'transparent' }}
                  label={
                    <Box sx={{ py: 0.75 }}>
                      <Typography variant="body2" sx={{ fontWeight: 600 }}>
                        {choice.label}
                      </Typography>
                      <Typography variant="caption" color="text.secondary">
                        {choice.detail}
                      </Typography>
                    </Box>
                  }
                />
              );
            },
          )}
        </RadioGroup>
        {!preset && (
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' }, mt: 2 }}>
            <TextField
              label={t.launchSize.cpus}
              type="number"
              value={customCpus ?? String(suggested.cpus)}
              onChange={(e) => setCustomCpus(e.target.value)}
              error={customOutOfLimits || customDoesNotFit}
              slotProps={{ htmlInput: { min: MIN_CPUS, max: limits.max.cpus, step: 0.25 } }}
            />
            <TextField
              label={t.launchSize.memory}
              type="number"
              value={customMemory ?? String(suggested.memoryGiB)}
              onChange={(e) => setCustomMemory(e.target.value)}
              error={customOutOfLimits || customDoesNotFit}
              slotProps={{ htmlInput: { min: MIN_MEMORY_GIB, max: limits.max.memoryGiB, step: 0.5 } }}
            />
          </Box>
        )}
        <FormHelperText error={customOutOfLimits || customDoesNotFit}>
          {customOutOfLimits
            ? t.launchSize.outOfLimits(formatNumber(MIN_CPUS, locale, 2), formatNumber(limits.max.cpus, locale, 2), formatNumber(MIN_MEMORY_GIB, locale, 3), formatNumber(limits.max.memoryGiB, locale, 2))
            : customDoesNotFit
              ? `${t.launchSize.doesNotFit} ${largest ? t.launchSize.largestFits(roundTo(largest.cpus, 2), formatNumber(largest.cpus, locale, 2), formatNumber(largest.memoryGiB, locale, 2), largest.machine) : noneReady ? t.launchSize.noneReady : t.launchSize.nothingFits}`
              : !preset
                ? largest
                  ? t.launchSize.largestFits(roundTo(largest.cpus, 2), formatNumber(largest.cpus, locale, 2), formatNumber(largest.memoryGiB, locale, 2), largest.machine)
                  : candidates !== undefined
                    ? noneReady
                      ? t.launchSize.noneReady
                      : t.launchSize.nothingFits
                    : ''
                : t.launchSize.guaranteed(formatNumber(limits.defaults.cpuRequestFraction * 100, locale, 1))}
        </FormHelperText>
      </FormControl>

      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '1fr 2fr' }, mt: 2 }}>
        <FormControl fullWidth disabled={!anyGpus || gpusNoneFree}>
          <InputLabel id={ids.gpus}>{t.launch.gpus}</InputLabel>
          <Select labelId={ids.gpus} label={t.launch.gpus} value={anyGpus ? gpus : 0} onChange={(e) => setGpus(Number(e.target.value))}>
            {Array.from({ length: Math.max(gpuChoices, gpus) + 1 }, (_, n) => (
              <MenuItem key={n} value={n}>
                {n}
              </MenuItem>
            ))}
          </Select>
          <FormHelperText>{gpuHelp}</FormHelperText>
        </FormControl>
        <FormControl fullWidth error={chosenNoRoom !== null && chosenNoRoom !== undefined}>
          <InputLabel id={ids.machine}>{t.launch.machine}</InputLabel>
          <Select labelId={ids.machine} label={t.launch.machine} value={machine} onChange={(e) => setMachine(e.target.value)}>
            <MenuItem value={ANY}>{t.launch.anyMachine}</MenuItem>
            {(machines ?? []).map((m) => {
              const reason = reasons.get(m.name);
              return (
                <MenuItem key={m.name} value={m.name} disabled={reason !== null && reason !== undefined}>
                  {m.name}
                  <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>
                    — {reason ? reasonText(t, locale, reason) : roomText(t, locale, m)}
                  </Typography>
                </MenuItem>
              );
            })}
          </Select>
          {chosenNoRoom && <FormHelperText>{reasonText(t, locale, chosenNoRoom)}</FormHelperText>}
        </FormControl>
      </Box>

      {datasets && <LaunchDatasets datasets={datasets} />}

      {noRoomAnywhere && machine === ANY && (
        <Alert severity="warning" sx={{ mt: 2 }}>
          {t.launch.noRoomAnywhere}
        </Alert>
      )}
      {error !== null && error !== undefined && !nameTaken && (
        <Alert severity="error" role="alert" sx={{ mt: 2 }}>
          {isApiError(error, 'SANDBOX_LIMIT_REACHED') ? t.launch.limitReached : errorMessage(error, t)}
        </Alert>
      )}
      {blocked && (
        <Alert severity="warning" role="status" sx={{ mt: 2 }}>
          {blocked}
        </Alert>
      )}
      <Button
        type="submit"
        variant="contained"
        size="large"
        startIcon={<RocketLaunchIcon />}
        disabled={pending || images.length === 0 || blocked !== undefined}
        sx={{ mt: 2 }}
      >
        {pending ? t.launch.submitting : t.launch.submit}
      </Button>
    </Box>
  );
}
