/** `p. 3, Install > Debian, lines 40-52` for texts agents and people read. */
export function describeLocation(location: { page?: number; heading?: string[]; lines?: number[] }): string {
  return [
    location.page !== undefined ? `p. ${location.page}` : undefined,
    location.heading?.length ? location.heading.join(' > ') : undefined,
    location.lines ? `lines ${location.lines[0]}-${location.lines[1]}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}
