/**
 * Save a running sandbox of mine as an environment: a name (checked as the hub checks it), a
 * description, shared with everyone or not, paused while saving or not. The hub answers at once;
 * the progress shows on the page (SaveProgress) once the dialog closes.
 */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import TextField from '@mui/material/TextField';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { ENVIRONMENT_NAME_MAX_LENGTH, isValidEnvironmentName } from '../../../../src/contract/environments';
import { isApiError } from '../../api/client';
import type { Sandbox, SaveRequest } from '../../api/types';
import type { Messages } from '../../i18n/en';
import { errorMessage } from '../../i18n/errorMessage';
import { useI18n } from '../../i18n/I18nProvider';
import { useSubmit } from '../../utils/useSubmit';

/** The hub's description limit (SaveRequest in src/contract/api.ts). */
const DESCRIPTION_MAX_LENGTH = 500;

export interface SaveEnvironmentDialogProps {
  /** The sandbox to save; null: the dialog is closed. */
  sandbox: Sandbox | null;
  /** The names of my saved environments: saving under one of them replaces it. */
  takenNames?: readonly string[];
  onClose(): void;
  /** Starts the save; rejects with the hub's refusal, which the dialog shows. */
  onSave(sandbox: Sandbox, request: SaveRequest): Promise<unknown>;
}

/** A refusal in this dialog's words where its code calls for what to do next here; else as errorMessage says it. */
function refusalText(t: Messages, error: unknown): string {
  if (isApiError(error, 'ENVIRONMENT_LIMIT_REACHED')) return t.saveEnv.limitReached;
  if (isApiError(error, 'ENVIRONMENT_SIZE_LIMIT')) return t.saveEnv.sizeLimit;
  if (isApiError(error, 'REGISTRY_NOT_CONFIGURED')) return t.saveEnv.noRegistry;
  return errorMessage(error, t);
}

export function SaveEnvironmentDialog({ sandbox, takenNames = [], onClose, onSave }: SaveEnvironmentDialogProps) {
  const { t } = useI18n();
  const titleId = useId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [shared, setShared] = useState(false);
  const [pause, setPause] = useState(false);
  const [touched, setTouched] = useState(false);
  const { pending, error, run, reset } = useSubmit();
  useEffect(() => {
    setName('');
    setDescription('');
    setShared(false);
    setPause(false);
    setTouched(false);
    reset();
  }, [sandbox, reset]);

  const invalid = !isValidEnvironmentName(name);
  const hubRefusedName = isApiError(error, 'INVALID_ENVIRONMENT_NAME');
  const nameError = (touched && invalid) || hubRefusedName;
  const replaces = !invalid && takenNames.includes(name);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!sandbox || invalid) return;
    const request: SaveRequest = {
      name,
      ...(description.trim() ? { description: description.trim() } : {}),
      ...(shared ? { shared: true } : {}),
      ...(pause ? { pause: true } : {}),
    };
    await run(async () => {
      await onSave(sandbox, request);
      onClose();
    });
  };

  return (
    <Dialog open={sandbox !== null} onClose={onClose} fullWidth maxWidth="sm" aria-labelledby={titleId}>
      <DialogTitle id={titleId}>{t.saveEnv.title(sandbox?.name ?? '')}</DialogTitle>
      <Box component="form" onSubmit={submit} noValidate>
        <DialogContent sx={{ display: 'grid', gap: 2 }}>
          <DialogContentText>{t.saveEnv.intro}</DialogContentText>
          <TextField
            label={t.saveEnv.name}
            value={name}
            onChange={(e) => {
              setName(e.target.value.toLowerCase());
              if (hubRefusedName) reset();
            }}
            onBlur={() => setTouched(true)}
            autoFocus
            required
            placeholder="torch-2.1"
            error={nameError}
            helperText={nameError ? t.saveEnv.nameInvalid : replaces ? t.saveEnv.nameReplaces(name) : t.saveEnv.nameHelp}
            slotProps={{ htmlInput: { maxLength: ENVIRONMENT_NAME_MAX_LENGTH, autoCapitalize: 'none', spellCheck: false } }}
          />
          <TextField
            label={t.saveEnv.description}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            multiline
            minRows={2}
            slotProps={{ htmlInput: { maxLength: DESCRIPTION_MAX_LENGTH } }}
          />
          <Box>
            <FormControlLabel control={<Checkbox checked={shared} onChange={(e) => setShared(e.target.checked)} />} label={t.saveEnv.shared} />
            <FormHelperText sx={{ mt: 0, ml: 4 }}>{t.saveEnv.sharedHelp}</FormHelperText>
          </Box>
          <Box>
            <FormControlLabel control={<Checkbox checked={pause} onChange={(e) => setPause(e.target.checked)} />} label={t.saveEnv.pause} />
            <FormHelperText sx={{ mt: 0, ml: 4 }}>{t.saveEnv.pauseHelp}</FormHelperText>
          </Box>
          {error !== null && !hubRefusedName && (
            <Alert severity="error" role="alert">
              {refusalText(t, error)}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t.common.cancel}</Button>
          <Button type="submit" variant="contained" disabled={pending}>
            {pending ? t.saveEnv.submitting : t.saveEnv.submit}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  );
}
