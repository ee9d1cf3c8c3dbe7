/** Client text quoted back in an error message, cut short: an error must not echo a large body. */
export function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
