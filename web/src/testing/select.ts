/** Choosing from an MUI select the way a person does, waiting for its menu to close. */
import { expect } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

export async function choose(select: string | RegExp, option: string | RegExp): Promise<void> {
  await userEvent.click(screen.getByRole('combobox', { name: select }));
  await userEvent.click(screen.getByRole('option', { name: option }));
  await waitFor(() => expect(screen.queryByRole('listbox')).toBeNull());
}
