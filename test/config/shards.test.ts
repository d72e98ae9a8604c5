import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_PROBLEMS_PER_SOURCE, scanUserIdBytes } from '../../src/config/shards.js';
import { CLIENT_ID, fixture, guid, minimalLines, removeTempDirs } from './support.js';

afterAll(removeTempDirs);

const HEAD = [
  'tenant:', // 1
  '  id: contoso.onmicrosoft.com', // 2
  `  clientId: ${CLIENT_ID}`, // 3
  'kafka:', // 4
  '  brokers: [localhost:9092]', // 5
  'shards:', // 6
];

describe('user-id files', () => {
  it('skip comments, trailing comments, blank lines, CRLF and a BOM; ids are lowercased', () => {
    const file = [
      '\uFEFF# AMER users', // 1
      '', // 2
      `${guid(1)}`, // 3
      `   ${guid(0xabcdef).toUpperCase()}   # Alice`, // 4
      '\t', // 5
      `${guid(3)}\r`, // 6
      '# the end', // 7
    ].join('\n');
    const { load } = fixture([...HEAD, '  - name: amer', '    usersFile: users-amer.txt'], { 'users-amer.txt': file });
    expect(guid(0xabcdef).toUpperCase()).not.toBe(guid(0xabcdef));
    expect(load().shards).toEqual([{ name: 'amer', userIds: [guid(1), guid(0xabcdef), guid(3)] }]);
  });

  it('resolve relative to the config file, not the working directory', () => {
    const { dir, load } = fixture([...HEAD, '  - name: amer', '    usersFile: lists/amer.txt'], {
      'lists/amer.txt': `${guid(5)}\n`,
    });
    expect(load({ file: path.join(dir, 'config.yaml'), cwd: '/' }).shards[0]?.userIds).toEqual([guid(5)]);
  });

  it('combine with inline users in the same shard', () => {
    const { load } = fixture([...HEAD, '  - name: amer', `    users: [${guid(1)}]`, '    usersFile: more.txt'], {
      'more.txt': `${guid(2)}\n`,
    });
    expect(load().shards[0]?.userIds).toEqual([guid(1), guid(2)]);
  });

  it('report a bad line with file and line number', () => {
    const { lines, problems } = fixture([...HEAD, '  - name: amer', '    usersFile: users-amer.txt'], {
      'users-amer.txt': `# header\n${guid(1)}\nxyz\n${guid(2)}\n${guid(3)}-extra\n`,
    });
    expect(lines()).toEqual([
      'users-amer.txt:3: "xyz" is not a GUID (shard "amer")',
      `users-amer.txt:5: "${guid(3)}-extra" is not a GUID (shard "amer")`,
    ]);
    expect(problems()[0]).toEqual({
      file: 'users-amer.txt',
      line: 3,
      path: 'shards[0].usersFile',
      message: '"xyz" is not a GUID (shard "amer")',
    });
  });

  it('an unreadable file names the path and the OS reason, at the setting', () => {
    const { lines } = fixture([...HEAD, '  - name: amer', '    usersFile: missing.txt']);
    expect(lines()).toEqual([
      'config.yaml:8:16 shards[0].usersFile: cannot read users file missing.txt: ENOENT: no such file or directory',
    ]);
  });

  it('a shard whose file holds only comments and blank lines is an error', () => {
    const { lines } = fixture([...minimalLines(), '  - name: amer', '    usersFile: empty.txt'], {
      'empty.txt': '# nobody yet\n\n   \n# still nobody\n',
    });
    expect(lines()).toEqual([
      'config.yaml:9:5 shards[1]: shard "amer" has no users: empty.txt holds only comments and blank lines',
    ]);
  });

  it('caps the problems listed per file and counts the rest', () => {
    const bad = Array.from({ length: MAX_PROBLEMS_PER_SOURCE + 10 }, (_, i) => `bad-${i}`).join('\n');
    const { lines } = fixture([...HEAD, '  - name: amer', '    usersFile: bad.txt'], { 'bad.txt': bad });
    const reported = lines();
    expect(reported).toHaveLength(MAX_PROBLEMS_PER_SOURCE + 1);
    expect(reported[0]).toBe('bad.txt:1: "bad-0" is not a GUID (shard "amer")');
    expect(reported[MAX_PROBLEMS_PER_SOURCE]).toBe('bad.txt shards[0].usersFile: ... and 10 more problems in bad.txt');
  });
});

describe('duplicate user ids name both places', () => {
  it('inline vs file', () => {
    const { lines } = fixture(
      [
        ...HEAD,
        '  - name: emea', // 7
        `    users: [${guid(1)}, ${guid(0xfade)}]`, // 8
        '  - name: amer', // 9
        '    usersFile: users-amer.txt', // 10
      ],
      { 'users-amer.txt': `${guid(3)}\n\n${guid(0xfade).toUpperCase()}\n` },
    );
    expect(lines()).toEqual([
      `users-amer.txt:3: user ${guid(0xfade)} is listed twice (shard "amer"); also at config.yaml:8:51 shards[0].users[1] (shard "emea")`,
    ]);
  });

  it('file vs file, and within one file', () => {
    const { lines } = fixture(
      [...HEAD, '  - name: emea', '    usersFile: emea.txt', '  - name: amer', '    usersFile: amer.txt'],
      {
        'emea.txt': `${guid(1)}\n${guid(2)}\n`,
        'amer.txt': `# amer\n${guid(3)}\n${guid(1)}\n${guid(3)}\n`,
      },
    );
    expect(lines()).toEqual([
      `amer.txt:3: user ${guid(1)} is listed twice (shard "amer"); also at emea.txt:1 (shard "emea")`,
      `amer.txt:4: user ${guid(3)} is listed twice (shard "amer"); also at amer.txt:2 (shard "amer")`,
    ]);
  });

  it('inline vs inline, within and across shards', () => {
    const { lines } = fixture([
      ...HEAD,
      '  - name: emea', // 7
      `    users: [${guid(0xbeef)}, ${guid(0xbeef).toUpperCase()}]`, // 8
      '  - name: amer', // 9
      '    users:', // 10
      `      - ${guid(0xbeef)}`, // 11
    ]);
    expect(lines()).toEqual([
      `config.yaml:8:51 shards[0].users[1]: user ${guid(0xbeef)} is listed twice; also at config.yaml:8:13 shards[0].users[0] (shard "emea")`,
      `config.yaml:11:9 shards[1].users[0]: user ${guid(0xbeef)} is listed twice; also at config.yaml:8:13 shards[0].users[0] (shard "emea")`,
    ]);
  });
});

describe('a large user-id file', () => {
  it('loads 1,000,000 ids with comments and blank lines, in order and lowercased', () => {
    const count = 1_000_000;
    const lines: string[] = ['# one million users'];
    for (let i = 0; i < count; i++) {
      const id = guid(i + 1);
      lines.push(i % 2 === 0 ? id : id.toUpperCase());
      if (i % 100_000 === 0) lines.push('', `# block ${i / 100_000}`);
    }
    const { dir, load } = fixture([...HEAD, '  - name: all', '    usersFile: all.txt']);
    writeFileSync(path.join(dir, 'all.txt'), `${lines.join('\n')}\n`);

    const config = load({ env: { PRESENCE_TENANT_CLIENT_SECRET: 'x', PRESENCE_GRAPH_BATCH_SIZE: '650' } });
    const userIds = config.shards[0]?.userIds ?? [];
    expect(userIds).toHaveLength(count);
    expect(userIds[0]).toBe(guid(1));
    expect(userIds[1]).toBe(guid(2));
    expect(userIds[count - 1]).toBe(guid(count));
    expect(new Set(userIds).size).toBe(count);
    expect(userIds.every((id) => id === id.toLowerCase())).toBe(true);
    // About 12 s on a quiet 2-core machine; `npm test` runs it beside the integration project's broker and
    // workers, where it has taken 26 s. A size test, not a timed one: the bound only catches a hang.
  }, 90_000);
});

describe('scanUserIdBytes', () => {
  function scan(text: string): [string, number][] {
    const bytes = Buffer.from(text, 'utf8');
    const seen: [string, number][] = [];
    const words = new Uint32Array(4);
    scanUserIdBytes(bytes, words, {
      id: (first, stop, line, upper) =>
        seen.push([
          `${upper ? 'ID' : 'id'} ${bytes.toString('utf8', first, stop)} ${[...words].map((w) => w.toString(16)).join('.')}`,
          line,
        ]),
      invalid: (first, stop, line) => seen.push([`bad ${bytes.toString('utf8', first, stop)}`, line]),
    });
    return seen;
  }

  it('yields trimmed entries with their 1-based line numbers, ids parsed into words', () => {
    const id = '0123abcd-4567-89ef-0a1b-2c3d4e5f6789';
    expect(scan(`a\n\n  b # c\n#d\r\n${id.toUpperCase()}\r\n   \n\t${id}`)).toEqual([
      ['bad a', 1],
      ['bad b', 3],
      [`ID ${id.toUpperCase()} 123abcd.456789ef.a1b2c3d.4e5f6789`, 5],
      [`id ${id} 123abcd.456789ef.a1b2c3d.4e5f6789`, 7],
    ]);
  });

  it('handles empty input, a final newline, a byte order mark and non-ASCII comments', () => {
    expect(scan('')).toEqual([]);
    expect(scan('\uFEFFx\n')).toEqual([['bad x', 1]]);
    expect(scan('# Zoë\nzoë # Zoë\n')).toEqual([['bad zoë', 2]]);
  });
});
