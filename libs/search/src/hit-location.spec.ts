import { describeLocation } from './hit-location';

describe('describeLocation', () => {
  it('reads like a citation', () => {
    expect(describeLocation({ page: 3, heading: ['Install', 'Debian'], lines: [40, 52] })).toBe(
      'p. 3, Install > Debian, lines 40-52',
    );
  });
});
