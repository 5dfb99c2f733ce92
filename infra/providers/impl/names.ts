/** Env var keys as Render accepts them (POSIX-style names). */
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Secret file names: a plain file name, no directories. */
export const FILE_NAME = /^[^/\\\0]+$/;
