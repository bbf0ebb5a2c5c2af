/**
 * `p. 3, Install > Debian, lines 40-52` for texts agents and people read; a page whose printed
 * number differs from its place in the file reads `p. 17 (PDF page 20)`.
 */
export function describeLocation(location: {
  page?: number;
  pageLabel?: string;
  heading?: string[];
  lines?: number[];
}): string {
  const page =
    location.page === undefined
      ? undefined
      : location.pageLabel
        ? `p. ${location.pageLabel} (PDF page ${location.page})`
        : `p. ${location.page}`;
  return [
    page,
    location.heading?.length ? location.heading.join(' > ') : undefined,
    location.lines ? `lines ${location.lines[0]}-${location.lines[1]}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}
