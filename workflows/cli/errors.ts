import { errorFacts, isConnectionFailure } from '../backup/classify-error';
import { EXIT, type ExitCode } from './exit-codes';

/** A failure the CLI reports as one line plus a hint, with a documented exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, hint, EXIT.USAGE);
}

export function unreachable(message: string, hint?: string): CliError {
  return new CliError(message, hint, EXIT.UNREACHABLE);
}

export function refused(message: string, hint?: string): CliError {
  return new CliError(message, hint, EXIT.REFUSED);
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidSignatureException']);
const ACCESS_ERRORS = new Set(['AccessDeniedException', 'AccessDenied', 'Forbidden']);

/**
 * Any error from an SDK call → a CliError: unreachable endpoints and missing credentials are exit 3, everything the
 * service answered with (ExecutionDoesNotExist, AccessDenied, throttling…) exit 4. `where` names what was called.
 */
export function fromServiceError(err: unknown, where: string): CliError {
  if (err instanceof CliError) return err;
  const e = err as { name?: string; message?: string };
  const facts = errorFacts(err);
  const message = e.message ?? String(err);
  if (isConnectionFailure(err)) {
    return unreachable(`${where}: cannot connect (${facts.codes[0] ?? e.name})`, 'Is the sandbox running (npm start) or the endpoint right? Check --data-dir / --region.');
  }
  if (CREDENTIAL_ERRORS.has(e.name ?? '')) {
    return unreachable(`${where}: ${e.name}: ${message}`, 'Set AWS credentials (AWS_PROFILE or --profile) for the account of the stage.');
  }
  if (ACCESS_ERRORS.has(e.name ?? '') || facts.status === 403) {
    return refused(`${where}: access denied: ${message}`, 'The credentials in use lack the permission; see docs/operations.md for the IAM actions each command needs.');
  }
  return refused(`${where}: ${e.name ?? 'Error'}: ${message}`, undefined);
}
