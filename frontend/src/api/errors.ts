// The server's one error shape, {status, error, detail, fields?, ...extra}, as a thrown value.
// A network failure (no answer at all) is status 0, so screens can say "no connection" plainly.

export interface ErrorBody {
  status: number;
  error: string;
  detail: string;
  fields?: Record<string, string>;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly error: string;
  readonly detail: string;
  readonly fields: Record<string, string>;
  readonly body: ErrorBody;

  constructor(body: ErrorBody) {
    super(body.detail);
    this.name = "ApiError";
    this.status = body.status;
    this.error = body.error;
    this.detail = body.detail;
    this.fields = body.fields ?? {};
    this.body = body;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /** Extra members of the body, such as `candidates` of a 409 or `currentVersion` of a 412. */
  extra<T>(name: string): T | undefined {
    return this.body[name] as T | undefined;
  }

  static network(cause: unknown): ApiError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new ApiError({
      status: 0,
      error: "Network error",
      detail: `The server could not be reached (${reason}). Nothing is lost: try again when the connection is back.`,
    });
  }

  static async fromResponse(response: Response): Promise<ApiError> {
    let body: Partial<ErrorBody> = {};
    try {
      body = (await response.json()) as Partial<ErrorBody>;
    } catch {
      // Not our JSON (a proxy's page, say): fall back to the status line.
    }
    return new ApiError({
      ...body,
      status: typeof body.status === "number" ? body.status : response.status,
      error: typeof body.error === "string" ? body.error : response.statusText || "Error",
      detail: typeof body.detail === "string" ? body.detail : `The server answered ${response.status}`,
      fields: body.fields && typeof body.fields === "object" ? body.fields : undefined,
    });
  }
}

/** The field errors a form did not place next to one of its inputs (shown in its summary instead). */
export function unplacedFieldErrors(error: ApiError | null, placed: readonly string[]): [string, string][] {
  if (!error) return [];
  return Object.entries(error.fields).filter(([name]) => !placed.includes(name));
}
