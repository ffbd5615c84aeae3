/**
 * The frame around every signed-in page: the app bar with navigation, language and theme
 * switches and the account menu; a drawer instead of the links on narrow screens.
 */
import AccountCircleIcon from '@mui/icons-material/AccountCircle';
import MenuIcon from '@mui/icons-material/Menu';
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Container from '@mui/material/Container';
import Divider from '@mui/material/Divider';
import Drawer from '@mui/material/Drawer';
import IconButton from '@mui/material/IconButton';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import { useId, useState, type ReactNode } from 'react';
import { Link as RouterLink } from 'react-router';
import type { User } from '../../api/types';
import { ConnectionBanner } from '../../components/ConnectionBanner';
import { LanguageMenu, ThemeMenu } from '../../components/PreferencesMenu';
import { useI18n } from '../../i18n/I18nProvider';
import type { Messages } from '../../i18n/en';

interface NavItem {
  to: string;
  label: (t: Messages) => string;
  adminOnly?: boolean;
}

const NAV: NavItem[] = [
  { to: '/', label: (t) => t.nav.home },
  { to: '/machines', label: (t) => t.nav.machines },
  { to: '/admin', label: (t) => t.nav.admin, adminOnly: true },
  { to: '/settings', label: (t) => t.nav.settings },
];

export interface ShellViewProps {
  user: User;
  /** The current path, to mark the current page in the navigation. */
  path: string;
  onSignOut(): void;
  /** Replaced in tests: the live banner probes the hub. */
  banner?: ReactNode;
  children: ReactNode;
}

const isCurrent = (to: string, path: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

export function ShellView({ user, path, onSignOut, banner = <ConnectionBanner />, children }: ShellViewProps) {
  const { t } = useI18n();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [accountAnchor, setAccountAnchor] = useState<HTMLElement | null>(null);
  const accountMenuId = useId();
  const items = NAV.filter((item) => !item.adminOnly || user.admin);

  return (
    <Box sx={{ minHeight: '100vh', bgcolor: 'background.default', color: 'text.primary' }}>
      <Box
        component="a"
        href="#main"
        sx={{
          position: 'absolute',
          left: 8,
          top: -48,
          zIndex: 2000,
          p: 1,
          bgcolor: 'background.paper',
          color: 'primary.main',
          borderRadius: 1,
          '&:focus': { top: 8 },
        }}
      >
        {t.app.skipToContent}
      </Box>
      <AppBar position="sticky" color="primary">
        <Toolbar sx={{ gap: 1 }}>
          <IconButton color="inherit" edge="start" aria-label={t.nav.openMenu} onClick={() => setDrawerOpen(true)} sx={{ display: { md: 'none' } }}>
            <MenuIcon />
          </IconButton>
          <Typography component={RouterLink} to="/" variant="h6" sx={{ color: 'inherit', textDecoration: 'none', fontWeight: 700, mr: 2 }}>
            {t.app.name}
          </Typography>
          <Box component="nav" aria-label={t.app.name} sx={{ display: { xs: 'none', md: 'flex' }, gap: 0.5, flexGrow: 1 }}>
            {items.map((item) => {
              const current = isCurrent(item.to, path);
              return (
                <Button
                  key={item.to}
                  component={RouterLink}
                  to={item.to}
                  color="inherit"
                  aria-current={current ? 'page' : undefined}
                  sx={{ fontWeight: current ? 700 : 400, borderBottom: 2, borderColor: current ? 'currentColor' : 'transparent', borderRadius: 0 }}
                >
                  {item.label(t)}
                </Button>
              );
            })}
          </Box>
          <Box sx={{ flexGrow: { xs: 1, md: 0 } }} />
          <LanguageMenu />
          <ThemeMenu />
          <IconButton
            color="inherit"
            aria-label={t.nav.account}
            aria-haspopup="menu"
            aria-controls={accountAnchor ? accountMenuId : undefined}
            aria-expanded={accountAnchor ? 'true' : undefined}
            onClick={(e) => setAccountAnchor(e.currentTarget)}
          >
            <AccountCircleIcon />
          </IconButton>
          <Menu id={accountMenuId} anchorEl={accountAnchor} open={accountAnchor !== null} onClose={() => setAccountAnchor(null)}>
            <MenuItem disabled>{t.nav.signedInAs(user.username)}</MenuItem>
            <Divider />
            <MenuItem
              onClick={() => {
                setAccountAnchor(null);
                onSignOut();
              }}
            >
              {t.nav.signOut}
            </MenuItem>
          </Menu>
        </Toolbar>
      </AppBar>
      <Drawer open={drawerOpen} onClose={() => setDrawerOpen(false)}>
        <Box component="nav" aria-label={t.app.name} sx={{ width: 240 }}>
          <Typography variant="h6" sx={{ px: 2, py: 1.5, fontWeight: 700 }}>
            {t.app.name}
          </Typography>
          <Divider />
          <List>
            {items.map((item) => (
              <ListItemButton
                key={item.to}
                component={RouterLink}
                to={item.to}
                selected={isCurrent(item.to, path)}
                aria-current={isCurrent(item.to, path) ? 'page' : undefined}
                onClick={() => setDrawerOpen(false)}
              >
                <ListItemText primary={item.label(t)} />
              </ListItemButton>
            ))}
          </List>
        </Box>
      </Drawer>
      {banner}
      <Container component="main" id="main" tabIndex={-1} maxWidth="lg" sx={{ py: { xs: 2, sm: 3 }, outline: 'none' }}>
        {children}
      </Container>
    </Box>
  );
}
