/**
 * The grid of machine cards and, once for all of them, the styles of what is inside a card.
 * Inside a card are plain elements with class names rather than a styled component each: a
 * page of 100 machines holds some 10,000 elements, and per-element styling would cost more
 * than the rest of a render (see bench/render.ts).
 */
import { styled } from '@mui/material/styles';

export const MachineGrid = styled('div')(({ theme }) => {
  const { palette } = theme.vars ?? theme;
  return {
  display: 'grid',
  gap: theme.spacing(2),
  gridTemplateColumns: '1fr',
  [theme.breakpoints.up('sm')]: { gridTemplateColumns: 'repeat(2, minmax(0, 1fr))' },
  [theme.breakpoints.up('lg')]: { gridTemplateColumns: 'repeat(3, minmax(0, 1fr))' },

  // Cards off screen are neither laid out nor painted until scrolled to.
  '& .machine': {
    height: '100%',
    contentVisibility: 'auto',
    containIntrinsicSize: 'auto 760px',
    padding: theme.spacing(2),
    backgroundColor: palette.background.paper,
    border: `1px solid ${palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    color: palette.text.primary,
  },
  '& .machine-status': {
    ...theme.typography.caption,
    fontWeight: 500,
    lineHeight: '24px',
    padding: '0 10px',
    borderRadius: 12,
    whiteSpace: 'nowrap',
  },
  '& .machine-status.up': { backgroundColor: palette.success.main, color: palette.success.contrastText },
  '& .machine-status.down': { backgroundColor: palette.error.main, color: palette.error.contrastText },
  '& .machine-down': { borderColor: palette.error.main },
  '& .machine-warning': { color: palette.warning.main, overflowWrap: 'anywhere' },
  '& .machine-head': { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: theme.spacing(1), marginBottom: theme.spacing(0.5) },
  '& .machine-name': { ...theme.typography.h2, margin: 0, overflowWrap: 'anywhere' },
  '& .machine-engine': { ...theme.typography.caption, color: palette.text.secondary, margin: `0 0 ${theme.spacing(1.5)}` },
  '& .machine-divider': { border: 0, borderTop: `1px solid ${palette.divider}`, margin: `${theme.spacing(1.5)} 0` },
  '& .machine-section': { ...theme.typography.h3, margin: 0 },
  '& .machine-list': { listStyle: 'none', padding: 0, margin: 0 },
  '& .machine-empty': { ...theme.typography.body2, color: palette.text.secondary, margin: `${theme.spacing(0.5)} 0 0` },
  '& .machine-sandbox': { ...theme.typography.body2, display: 'flex', justifyContent: 'space-between', flexWrap: 'wrap', gap: theme.spacing(1), padding: `${theme.spacing(0.5)} 0` },
  '& .machine-sandbox-name': { fontWeight: 500 },
  '& .machine-sandbox-state': {
    ...theme.typography.caption,
    marginLeft: theme.spacing(1),
    padding: '0 6px',
    borderRadius: 8,
    border: `1px solid ${palette.warning.main}`,
    color: palette.text.primary,
  },
  '& .machine-image': { ...theme.typography.body2, display: 'flex', justifyContent: 'space-between', flexWrap: 'wrap', gap: theme.spacing(1), padding: `${theme.spacing(0.25)} 0` },
  '& .machine-image-name': { fontWeight: 500, minWidth: 0 },
  '& .machine-sandbox-use': { ...theme.typography.caption, flexBasis: '100%', color: palette.text.secondary, marginTop: -4 },
  '& .machine-facts': { ...theme.typography.caption, color: palette.text.secondary, margin: `0 0 ${theme.spacing(0.5)}` },
  '& .secondary': { color: palette.text.secondary },

  '& .meter': { marginBottom: theme.spacing(1) },
  '& .meter-head': { ...theme.typography.body2, display: 'flex', justifyContent: 'space-between', gap: theme.spacing(1), marginBottom: 2 },
  '& .meter-label': { fontWeight: 500 },
  '& .meter-detail': { color: palette.text.secondary, textAlign: 'right' },
  '& .meter-track': { position: 'relative', height: 8, borderRadius: 4, overflow: 'hidden', backgroundColor: palette.action.selected },
  // What sandboxes were given, lighter, under the measured use that is drawn over it.
  '& .meter-allocated': { position: 'absolute', inset: '0 auto 0 0', borderRadius: 4, backgroundColor: palette.primary.main, opacity: 0.3 },
  '& .meter-note': { ...theme.typography.caption, color: palette.text.secondary, marginTop: 2 },
  '& .meter-track.thin': { height: 6, margin: `${theme.spacing(0.5)} 0` },
  '& .meter-fill': { position: 'relative', height: '100%', borderRadius: 4, backgroundColor: palette.primary.main },
  '& .meter-fill.warning': { backgroundColor: palette.warning.main },
  '& .meter-fill.error': { backgroundColor: palette.error.main },

  '& .gpu': { padding: `${theme.spacing(0.75)} 0` },
  '& .gpu-head': { ...theme.typography.body2, display: 'flex', justifyContent: 'space-between', flexWrap: 'wrap', gap: theme.spacing(1) },
  '& .gpu-name': { fontWeight: 500 },
  '& .gpu-free': { color: palette.success.main },

  '& .history': { margin: `${theme.spacing(1)} 0 0` },
  '& .history-title': { ...theme.typography.caption, color: palette.text.secondary, marginBottom: 2 },
  '& .history-charts': { display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(80px, 1fr))', gap: theme.spacing(1.5) },
  '& .spark': { margin: 0, minWidth: 0, color: palette.primary.main },
  '& .spark-caption': { ...theme.typography.caption, color: palette.text.secondary, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' },
  '& .spark-caption b': { fontWeight: 500, color: palette.text.primary },
  '& .sparkline': { display: 'block', overflow: 'visible' },
  '& .gpu-figures': { ...theme.typography.caption, color: palette.text.secondary },
  };
});
