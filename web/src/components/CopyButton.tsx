/** A button that copies some text to the clipboard and says "Copied" once it has. */
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import Button from '@mui/material/Button';
import { useState } from 'react';
import { useI18n } from '../i18n/I18nProvider';

export interface CopyButtonProps {
  text: string;
  /** The button's name for screen readers where the page has more than one "Copy": "Copy the SSH config". */
  label?: string;
}

export function CopyButton({ text, label }: CopyButtonProps) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // No clipboard permission: the text stays selectable on the page.
      setCopied(false);
    }
  };
  return (
    <Button size="small" variant="outlined" startIcon={<ContentCopyIcon />} onClick={copy} aria-live="polite" aria-label={copied ? undefined : label}>
      {copied ? t.common.copied : t.common.copy}
    </Button>
  );
}
