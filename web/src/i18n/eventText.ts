/**
 * What a sandbox event says in the chosen language: from its code and values where the hub gave
 * a code this dashboard knows, else the hub's own (English) message.
 */
import type { EventCode, EventCodeParams, SandboxEvent } from '../api/types';
import { readEventDetail } from '../../../src/contract/event-codes';
import type { EventTexts, Messages } from './en';

function say<C extends EventCode>(texts: EventTexts, detail: { code: C; params: EventCodeParams[C] }): string {
  return texts[detail.code](detail.params);
}

export function eventText(t: Messages, event: Pick<SandboxEvent, 'code' | 'params' | 'message'>): string {
  const detail = readEventDetail(event.code, event.params);
  return detail ? say(t.eventTexts, detail) : event.message;
}
