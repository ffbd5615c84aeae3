/**
 * Turning every failure into `{error:{code,message}}`: our own errors as they are, the
 * framework's validation and body errors into stable codes, anything else into INTERNAL with
 * the details in the log only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { NAME_PATTERN } from '../contract/names.js';
import { BEFORE_PATTERN, LOG_LIMIT_PATTERN, MAX_PAGE_LIMIT, PAGE_LIMIT_PATTERN } from '../contract/paging.js';
import { plainText } from '../contract/plain-text.js';
import { ShivaError, type ErrorCode } from '../contract/errors.js';

const NAME_FIELDS = new Set(['/name', '/username']);
const QUOTA_FIELDS = new Set(['/quotaGiB']);
const RESOURCE_FIELDS = new Set(['/cpus', '/cpuRequest', '/memoryGiB', '/gpus']);

const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

export function toShivaError(err: FastifyError): ShivaError | null {
  if (err instanceof ShivaError) return err;
  if (err.validation) {
    const first = err.validation[0];
    const unknown = first?.keyword === 'additionalProperties' ? (first.params as { additionalProperty?: string }).additionalProperty : undefined;
    if (unknown !== undefined) {
      const what = err.validationContext === 'querystring' ? 'parameter' : 'field';
      return new ShivaError('VALIDATION_FAILED', `${plainName(unknown)}: this request has no such ${what}.`);
    }
    const field = first?.instancePath ?? '';
    const where = field ? field.slice(1).replaceAll('/', '.') : err.validationContext ?? 'request';
    const message = `${where}: ${plainValidation(err.validation, field, err.validationContext) ?? first?.message ?? 'is invalid'}`;
    if (err.validationContext === 'body' && NAME_FIELDS.has(field)) {
      return new ShivaError('INVALID_NAME', `${where}: a name must be 1-32 lowercase letters, digits or dashes, starting with a letter and not ending with a dash.`);
    }
    if (err.validationContext === 'body' && RESOURCE_FIELDS.has(field)) return new ShivaError('INVALID_RESOURCES', message);
    if (err.validationContext === 'body' && QUOTA_FIELDS.has(field)) {
      return new ShivaError('INVALID_QUOTA', `${where}: a number of GiB from 0 to 1048576 (1 PiB), or null for the default.`);
    }
    return new ShivaError('VALIDATION_FAILED', message);
  }
  const mapped = err.code ? FRAMEWORK_CODES[err.code] : undefined;
  if (mapped === 'BAD_REQUEST' && err.code !== 'FST_ERR_CTP_EMPTY_JSON_BODY') return new ShivaError(mapped, 'The body is not valid JSON.');
  if (mapped) return new ShivaError(mapped);
  if (err instanceof SyntaxError) return new ShivaError('BAD_REQUEST', 'The body is not valid JSON.');
  if (err.statusCode === 405) return new ShivaError('METHOD_NOT_ALLOWED');
  return null;
}

/** Patterns of query parameters, said in words (src/contract/paging.ts, src/contract/names.ts). */
const PATTERN_WORDS: Record<string, string> = {
  [PAGE_LIMIT_PATTERN]: `a whole number of rows from 1 to ${MAX_PAGE_LIMIT}`,
  [LOG_LIMIT_PATTERN]: 'a whole number of entries from 1 to 999',
  [BEFORE_PATTERN]: 'the nextBefore of an earlier answer, a whole number',
  [NAME_PATTERN]: 'a name of 1-32 lowercase letters, digits or dashes, starting with a letter',
};

/**
 * What Ajv's errors for `field` mean in words a person reads, where its own do not say it: the
 * values a choice takes ("must be equal to constant" for each), and what a query parameter's
 * pattern stands for rather than the pattern. Undefined: Ajv's message says it well enough.
 */
function plainValidation(errors: FastifySchemaValidationError[], field: string, context: string | undefined): string | undefined {
  const choices = errors.filter((e) => e.instancePath === field && e.keyword === 'const').map((e) => String((e.params as { allowedValue?: unknown }).allowedValue));
  if (choices.length > 0) return `one of ${choices.join(', ')}.`;
  const first = errors[0];
  if (context === 'querystring' && first?.keyword === 'pattern') {
    const words = PATTERN_WORDS[String((first.params as { pattern?: unknown }).pattern)];
    if (words) return `${words}.`;
  }
  return undefined;
}

/** A name a client sent, as plain text of 40 characters at most, quoted, to say back. */
const plainName = (name: string): string => JSON.stringify(plainText(name).slice(0, 40));

/**
 * Whether `err` only says that the client went away mid-request: node's `aborted` error
 * (ECONNRESET) on the body, or any error on a request whose connection is already gone.
 */
function clientGaveUp(err: FastifyError, request: FastifyRequest): boolean {
  return (err.code === 'ECONNRESET' && err.message === 'aborted') || request.raw.aborted || request.raw.socket.destroyed;
}

/** `appPage` answers GETs of paths that are pages of the web app (its router decides what they show). */
export function registerErrorHandling(
  app: FastifyInstance,
  appPage?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null,
): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toShivaError(err);
    if (known) {
      const retry = (known.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retry) void reply.header('retry-after', String(retry));
      if (known.status >= 500) request.log.warn({ code: known.code, msg: known.message }, 'request failed');
      return reply.code(known.status).type('application/json').send(known.toBody());
    }
    if (clientGaveUp(err, request)) {
      // The client closed the connection while sending its body: nothing failed here, and
      // nobody is left to answer.
      request.log.debug({ method: request.method, route: request.routeOptions.url ?? '(no route)', code: err.code }, 'client aborted the request');
      return reply.code(400).type('application/json').send(new ShivaError('BAD_REQUEST').toBody());
    }
    request.log.error({ err }, 'unexpected error');
    const internal = new ShivaError('INTERNAL');
    return reply.code(internal.status).type('application/json').send(internal.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const page = appPage?.(request, reply);
    if (page) return page;
    const err = new ShivaError('NOT_FOUND', `There is nothing at ${request.method} ${request.url.split('?')[0]}.`);
    return reply.code(404).type('application/json').send(err.toBody());
  });
}
