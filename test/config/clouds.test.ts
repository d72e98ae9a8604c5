import { describe, expect, it } from 'vitest';
import {
  CLOUD_NAMES,
  graphScope,
  isCloudName,
  isNationalCloud,
  NATIONAL_CLOUDS,
  parseHttpsOrigin,
} from '../../src/config/clouds.js';

describe('clouds', () => {
  it('names the clouds and gives each national one https endpoints', () => {
    expect(isCloudName('usgov-dod')).toBe(true);
    expect(isCloudName('mooncake')).toBe(false);
    expect(isCloudName(1)).toBe(false);
    expect(CLOUD_NAMES.filter(isNationalCloud)).toEqual(Object.keys(NATIONAL_CLOUDS));
    for (const cloud of Object.values(NATIONAL_CLOUDS)) {
      expect(parseHttpsOrigin(cloud.graphUrl)).toEqual({ origin: cloud.graphUrl });
      expect(parseHttpsOrigin(cloud.authorityUrl)).toEqual({ origin: cloud.authorityUrl });
    }
    expect(graphScope('https://graph.microsoft.com')).toBe('https://graph.microsoft.com/.default');
  });

  it('normalises an https origin and refuses anything more or less', () => {
    expect(parseHttpsOrigin('https://Graph.Example.com/')).toEqual({ origin: 'https://graph.example.com' });
    expect(parseHttpsOrigin('https://graph.example.com:8443')).toEqual({ origin: 'https://graph.example.com:8443' });
    expect(parseHttpsOrigin('graph.example.com')).toEqual({
      problem: expect.stringMatching(/is not a URL/) as unknown,
    });
    expect(parseHttpsOrigin('http://graph.example.com')).toEqual({ problem: 'must use https (got http)' });
    expect(parseHttpsOrigin('https://u:p@graph.example.com')).toEqual({ problem: 'must not contain credentials' });
    expect(parseHttpsOrigin('https://graph.example.com/v1.0')).toEqual({
      problem: 'must be a host only, like https://graph.example.com (no path, query or fragment)',
    });
    expect('problem' in parseHttpsOrigin('https://graph.example.com/?a=1')).toBe(true);
  });
});
