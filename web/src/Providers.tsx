/** Theme, language and data cache: everything a page needs around it, in the app and in tests. */
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { isApiError } from './api/client';
import { I18nProvider, type Language } from './i18n/I18nProvider';
import { MODE_STORAGE_KEY, theme } from './theme/theme';

/** Answers that another try will not change (4xx) are not retried; a hub that does not answer is, twice. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, err) => isApiError(err, 'UNREACHABLE') && failures < 2,
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
}

export interface ProvidersProps {
  queryClient: QueryClient;
  language?: Language;
  mode?: 'light' | 'dark';
  children: ReactNode;
}

export function Providers({ queryClient, language, mode, children }: ProvidersProps) {
  return (
    <ThemeProvider theme={theme} defaultMode={mode ?? 'system'} modeStorageKey={MODE_STORAGE_KEY} disableTransitionOnChange>
      <CssBaseline enableColorScheme />
      <I18nProvider language={language}>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </I18nProvider>
    </ThemeProvider>
  );
}
