/** Renders a view as the app would: theme, language, cache, router and a pinned clock around it. */
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { NowProvider } from '../components/now';
import type { Language } from '../i18n/I18nProvider';
import { makeQueryClient, Providers } from '../Providers';
import { MOCK_NOW } from './mocks';

export interface RenderOptions {
  language?: Language;
  path?: string;
}

export function renderView(ui: ReactElement, { language = 'en', path = '/' }: RenderOptions = {}): RenderResult {
  return render(
    <Providers queryClient={makeQueryClient()} language={language} mode="light">
      <NowProvider now={MOCK_NOW}>
        <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
      </NowProvider>
    </Providers>,
  );
}
