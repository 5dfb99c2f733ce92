/** An API error rendered as Render's error body `{"message": …}` (the recorded 404 form has no `id`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly id?: string,
  ) {
    super(message);
  }

  body(): Record<string, string> {
    return this.id ? { id: this.id, message: this.message } : { message: this.message };
  }
}

/** Render's 404 for an unknown id, as recorded: `{"message":"not found: srv-…"}`. */
export function notFound(id: string): ApiError {
  return new ApiError(404, `not found: ${id}`);
}
