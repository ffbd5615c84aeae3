/**
 * Light and dark palettes as CSS variables: switching mode swaps a class on <html> instead of
 * re-rendering every component. Colours are chosen for WCAG AA contrast of text on background.
 */
import { createTheme } from '@mui/material/styles';

export const MODE_STORAGE_KEY = 'shiva.theme';

const fontFamily = [
  'system-ui',
  '-apple-system',
  '"Segoe UI"',
  'Roboto',
  '"Hiragino Sans"',
  '"Noto Sans JP"',
  '"Noto Sans CJK JP"',
  'Meiryo',
  'sans-serif',
].join(',');

/** For what is copied or typed as is: keys, fingerprints, commands, logs. */
export const monospace = 'ui-monospace, SFMono-Regular, Menlo, monospace';

export const theme = createTheme({
  cssVariables: { colorSchemeSelector: 'class' },
  colorSchemes: {
    light: {
      palette: {
        primary: { main: '#3949ab' },
        secondary: { main: '#00796b' },
        // MUI's default info and warning are below 4.5:1 as text on white; these are not.
        info: { main: '#01579b' },
        warning: { main: '#b45309' },
        background: { default: '#f4f5fa', paper: '#ffffff' },
      },
    },
    dark: {
      palette: {
        primary: { main: '#9fa8da' },
        secondary: { main: '#80cbc4' },
        background: { default: '#121318', paper: '#1c1d24' },
      },
    },
  },
  shape: { borderRadius: 10 },
  typography: {
    fontFamily,
    h1: { fontSize: '1.75rem', fontWeight: 600 },
    h2: { fontSize: '1.25rem', fontWeight: 600 },
    h3: { fontSize: '1.05rem', fontWeight: 600 },
  },
  components: {
    MuiButton: { defaultProps: { disableElevation: true }, styleOverrides: { root: { textTransform: 'none' } } },
    MuiTab: { styleOverrides: { root: { textTransform: 'none' } } },
    MuiCard: { defaultProps: { variant: 'outlined' } },
    MuiPaper: { defaultProps: { elevation: 0 } },
    MuiTableCell: { styleOverrides: { head: { fontWeight: 600 } } },
  },
});
