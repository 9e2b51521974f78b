/** The path of examples/guests/NAME.c built to wasm (built now when not cached). */
export function cGuest(name: string): string
export const C_GUESTS_DIR: string
