/** The dashboard's entry: providers around the app, mounted on #root. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { makeQueryClient, Providers } from './Providers';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <Providers queryClient={makeQueryClient()}>
      <App />
    </Providers>
  </StrictMode>,
);
