/** The language and theme switches, in the app bar and on the sign-in page. */
import DarkModeIcon from '@mui/icons-material/DarkMode';
import LightModeIcon from '@mui/icons-material/LightMode';
import SettingsBrightnessIcon from '@mui/icons-material/SettingsBrightness';
import TranslateIcon from '@mui/icons-material/Translate';
import IconButton from '@mui/material/IconButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import { useColorScheme } from '@mui/material/styles';
import Tooltip from '@mui/material/Tooltip';
import { useId, useState, type MouseEvent, type ReactElement } from 'react';
import { LANGUAGE_NAMES, LANGUAGES, useI18n } from '../i18n/I18nProvider';

export function LanguageMenu() {
  const { t, language, setLanguage } = useI18n();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  return (
    <>
      <Tooltip title={t.prefs.language}>
        <IconButton
          color="inherit"
          aria-label={`${t.prefs.language}: ${LANGUAGE_NAMES[language]}`}
          aria-haspopup="menu"
          aria-controls={anchor ? menuId : undefined}
          aria-expanded={anchor ? 'true' : undefined}
          onClick={(e: MouseEvent<HTMLElement>) => setAnchor(e.currentTarget)}
        >
          <TranslateIcon />
        </IconButton>
      </Tooltip>
      <Menu id={menuId} anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
        {LANGUAGES.map((l) => (
          <MenuItem
            key={l}
            lang={l}
            selected={l === language}
            onClick={() => {
              setLanguage(l);
              setAnchor(null);
            }}
          >
            {LANGUAGE_NAMES[l]}
          </MenuItem>
        ))}
      </Menu>
    </>
  );
}

const MODES = ['light', 'dark', 'system'] as const;
type Mode = (typeof MODES)[number];
const icons: Record<Mode, ReactElement> = {
  light: <LightModeIcon fontSize="small" />,
  dark: <DarkModeIcon fontSize="small" />,
  system: <SettingsBrightnessIcon fontSize="small" />,
};

export function ThemeMenu() {
  const { t } = useI18n();
  const { mode, systemMode, setMode } = useColorScheme();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  const current: Mode = mode ?? 'system';
  const shown = current === 'system' ? (systemMode ?? 'light') : current;
  return (
    <>
      <Tooltip title={t.prefs.theme}>
        <IconButton
          color="inherit"
          aria-label={`${t.prefs.theme}: ${t.prefs[current]}`}
          aria-haspopup="menu"
          aria-controls={anchor ? menuId : undefined}
          aria-expanded={anchor ? 'true' : undefined}
          onClick={(e: MouseEvent<HTMLElement>) => setAnchor(e.currentTarget)}
        >
          {shown === 'dark' ? <DarkModeIcon /> : <LightModeIcon />}
        </IconButton>
      </Tooltip>
      <Menu id={menuId} anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
        {MODES.map((m) => (
          <MenuItem
            key={m}
            selected={m === current}
            onClick={() => {
              setMode(m);
              setAnchor(null);
            }}
          >
            <ListItemIcon>{icons[m]}</ListItemIcon>
            <ListItemText>{t.prefs[m]}</ListItemText>
          </MenuItem>
        ))}
      </Menu>
    </>
  );
}
