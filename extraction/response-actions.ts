/**
 * response_actions: what to do with an answer, by its status code and/or text in its body, before the usual rules
 * (2xx is a page, 429/408/5xx are retried, 401 renews the token, anything else fails the run). As in the
 * declarative extractors their users know (dlt's `response_actions`, Airbyte's error handlers):
 *
 *   success  handle the answer as a 2xx page or detail (an API that answers 404 with an empty list at the end)
 *   ignore   a page: the pagination ends there, keeping what came before; a mapping_fetch detail: the record is
 *            kept without it (the default for a detail's 404)
 *   retry    retried like a 5xx (backoff, Retry-After, the request retry budget, then Temporal's retries)
 *   fail     the run fails at once, naming the rule (a 200 whose body says the call was refused)
 *
 * The first rule that matches decides. `content` is matched, case and all, against the body's text (JSON as sent).
 */
import { z } from 'zod';

const statusCode = z.number().int().min(100).max(599);

export const responseActionSchema = z
  .object({
    status_code: z.union([statusCode, z.array(statusCode).min(1)]).optional(),
    /** Text the body must contain. */
    content: z.string().min(1, 'Must not be empty').optional(),
    action: z.enum(['success', 'ignore', 'retry', 'fail']),
  })
  .refine((a) => a.status_code !== undefined || a.content !== undefined, 'A response action needs status_code, content or both');
export type ResponseAction = z.infer<typeof responseActionSchema>;

export const responseActionsSchema = z.array(responseActionSchema).optional();

const bodyText = (body: unknown): string => (typeof body === 'string' ? body : body === null || body === undefined ? '' : JSON.stringify(body));

/** The first rule matching the answer, or null (the usual rules apply). */
export function matchResponseAction(actions: readonly ResponseAction[] | undefined, res: { status: number; body: unknown }): ResponseAction | null {
  if (!actions?.length) return null;
  let text: string | undefined;
  for (const a of actions) {
    if (a.status_code !== undefined && !(Array.isArray(a.status_code) ? a.status_code.includes(res.status) : a.status_code === res.status)) continue;
    if (a.content !== undefined && !(text ??= bodyText(res.body)).includes(a.content)) continue;
    return a;
  }
  return null;
}

/** A rule as the run's error and log lines name it. */
export const describeAction = (a: ResponseAction): string =>
  `response action ${JSON.stringify({ ...(a.status_code !== undefined ? { status_code: a.status_code } : {}), ...(a.content !== undefined ? { content: a.content } : {}), action: a.action })}`;
