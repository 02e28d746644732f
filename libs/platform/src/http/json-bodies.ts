import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BadRequestException,
  HttpException,
  HttpStatus,
  PayloadTooLargeException,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';

/**
 * How deep a request body may nest (the top-level object is 1). Every body of API.md
 * is at most 3 deep; beyond this the recursive walks after parsing (class-transformer,
 * validation) would run out of stack and answer 500.
 */
export const JSON_DEPTH_MAX = 32;

type Next = (error?: unknown) => void;

/** Whether the request carries body bytes (a `Content-Length: 0` POST carries none). */
function hasContent(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || Number(length ?? 0) > 0;
}

/**
 * `application/json`, in UTF-8 when a charset is named (API.md: JSON in, UTF-8), for
 * the media type and parameters of a `Content-Type` header.
 */
export function isJsonContentType(header: string | undefined): boolean {
  const [mediaType = '', ...parameters] = (header ?? '').split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') return false;
  return parameters.every((parameter) => {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') return true;
    return value.trim().replace(/^"|"$/g, '').toLowerCase() === 'utf-8';
  });
}

/**
 * Whether `value` nests deeper than `max`, found without recursion (a stack of its
 * own), so that a body of 100,000 nested arrays costs a loop, not the call stack. The
 * walk stops at the first value past `max`.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

/** A body in anything but JSON is a 415, before any parser reads it. */
function requireJson(request: IncomingMessage, _response: ServerResponse, next: Next): void {
  if (!hasContent(request) || isJsonContentType(request.headers['content-type'])) return next();
  next(
    new HttpException(
      'The request body must be JSON: Content-Type: application/json (UTF-8)',
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    ),
  );
}

/** A parsed body deeper than JSON_DEPTH_MAX is a 400 before pipes or validation walk it. */
function refuseDeepNesting(
  request: IncomingMessage & { body?: unknown },
  _response: ServerResponse,
  next: Next,
): void {
  if (!nestsDeeperThan(request.body, JSON_DEPTH_MAX)) return next();
  next(new BadRequestException(`The JSON body nests deeper than ${JSON_DEPTH_MAX} levels`));
}

/**
 * A body that is not valid UTF-8 is a 400: decoded as it is, each bad byte would become
 * U+FFFD, and what was stored would differ from what was sent.
 */
function requireUtf8(_request: IncomingMessage, _response: ServerResponse, body: Buffer): void {
  if (!isUtf8(body)) {
    throw Object.assign(new Error('The request body must be UTF-8 text'), {
      status: 400,
      expose: true,
    });
  }
}

/**
 * The JSON parser is strict (objects and arrays only), and it words its refusal of a
 * well-formed `null`, number, string or boolean as a syntax error ("Unexpected token
 * 'n', "null" is not valid JSON"), which that is not. Such a body is told what it must be;
 * one that is not JSON is told so, with where the parser stopped. A body over the parser's
 * limit is told the limit.
 */
function explainStrictJson(
  error: unknown,
  _request: IncomingMessage,
  _response: ServerResponse,
  next: Next,
): void {
  const { type, body, limit } = (error ?? {}) as {
    type?: unknown;
    body?: unknown;
    limit?: unknown;
  };
  if (type === 'entity.parse.failed' && typeof body === 'string' && isJsonScalar(body))
    return next(new BadRequestException('The request body must be a JSON object'));
  // The parser's own words say where it breaks, not that it is the body that does.
  if (type === 'entity.parse.failed' && error instanceof Error)
    return next(new BadRequestException(`The request body is not valid JSON: ${error.message}`));
  // Worded as the edge words its own limit, not body-parser's "request entity too large".
  if (type === 'entity.too.large' && typeof limit === 'number')
    return next(
      new PayloadTooLargeException(
        `The request body is larger than ${Math.round(limit / 1024)} kB`,
      ),
    );
  next(error);
}

function isJsonScalar(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value !== 'object' || value === null;
  } catch {
    return false; // not JSON at all: the parser's own message says where
  }
}

/**
 * Request bodies as API.md has them: JSON only (415 for forms, text or a charset other
 * than UTF-8, so a form post never reaches a handler), parsed by Nest's own JSON parser
 * (V8's parser does not recurse), and no deeper than JSON_DEPTH_MAX (400). Errors take
 * the one error shape through the global filter. The app must be created with
 * `bodyParser: false`, so that these are the only parsers.
 */
export function useJsonBodies(app: NestExpressApplication): void {
  app.use(requireJson);
  app.useBodyParser('json', { verify: requireUtf8 });
  app.use(explainStrictJson);
  app.use(refuseDeepNesting);
}
