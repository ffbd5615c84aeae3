/**
 * The dashboard's pages. The sign-in page stands alone; every other page sits in the shell,
 * which first makes sure someone is signed in. Less visited pages load on first use.
 */
import { lazy, Suspense, useEffect } from 'react';
import { BrowserRouter, Route, Routes, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { setUnauthenticatedHandler, signInPath } from './api/client';
import { LoadingState } from './components/States';
import { HomePage } from './pages/Home/HomePage';
import { LoginPage } from './pages/Login/LoginPage';
import { NotFoundPage } from './pages/NotFound/NotFoundPage';
import { Shell } from './pages/Shell/Shell';

const MachinesPage = lazy(() => import('./pages/Machines/MachinesPage').then((m) => ({ default: m.MachinesPage })));
const AdminPage = lazy(() => import('./pages/Admin/AdminPage').then((m) => ({ default: m.AdminPage })));
const SettingsPage = lazy(() => import('./pages/Settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));

/** A session that ended mid-visit: to the sign-in page, and back here after. */
function SessionGuard() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  useEffect(() => {
    setUnauthenticatedHandler(() => {
      if (window.location.pathname === '/login') return;
      const target = signInPath(window.location);
      queryClient.clear();
      void navigate(target, { replace: true });
    });
  }, [navigate, queryClient]);
  return null;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<Shell />}>
        <Route index element={<HomePage />} />
        <Route path="machines" element={<Suspense fallback={<LoadingState />}><MachinesPage /></Suspense>} />
        <Route path="admin" element={<Suspense fallback={<LoadingState />}><AdminPage /></Suspense>} />
        <Route path="settings" element={<Suspense fallback={<LoadingState />}><SettingsPage /></Suspense>} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionGuard />
      <AppRoutes />
    </BrowserRouter>
  );
}
