import { ApiError, type ApiErrorBody } from '../shared/contract';

export function toApiError(err: unknown, log?: (m: string) => void): ApiError {
  if (err instanceof ApiError) return err;
  log?.(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  return new ApiError('internal', (err as Error)?.message ?? 'internal error');
}

export function statusFor(code: ApiErrorBody['code']): number {
  switch (code) {
    case 'invalid':
      return 400;
    case 'unauthorized':
      return 401;
    case 'not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}
